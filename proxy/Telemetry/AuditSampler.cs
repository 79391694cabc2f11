using System.Collections.Concurrent;

namespace ModelGateway.Telemetry;

/// <summary>
/// Keeps a flood from filling the disk: per key (a client address, a rate-limit partition) at most one audit line per
/// <see cref="Interval"/>; the lines held back in between are counted and reported by the key's next line. The metrics
/// count every event. At most <see cref="MaxKeys"/> keys are held; past that, keys whose interval has passed are
/// dropped (with the count they still held).
/// </summary>
internal sealed class AuditSampler(TimeProvider time)
{
    public const int MaxKeys = 10_000;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Keys currently held.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// True when this event of <paramref name="key"/> is to be logged, with the number of its events held back since
    /// its last line; false when it is only counted.
    /// </summary>
    public bool TryTake(string key, out long heldBack)
    {
        ArgumentNullException.ThrowIfNull(key);
        var now = time.GetUtcNow().UtcTicks;
        // A known key (the flood case) takes no lock: ConcurrentDictionary.Count takes all of them, so only a new key asks it.
        if (!_entries.TryGetValue(key, out var entry))
        {
            if (_entries.Count >= MaxKeys)
            {
                Sweep(now);
            }
            entry = _entries.GetOrAdd(key, static _ => new Entry());
        }
        return entry.TryTake(now, Interval.Ticks, out heldBack);
    }

    private void Sweep(long now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.IsIdle(now, Interval.Ticks))
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    private sealed class Entry
    {
        private readonly Lock _lock = new();
        private long _lastLogged = long.MinValue;
        private long _heldBack;

        public bool TryTake(long now, long interval, out long heldBack)
        {
            lock (_lock)
            {
                if (_lastLogged != long.MinValue && now - _lastLogged < interval)
                {
                    _heldBack++;
                    heldBack = 0;
                    return false;
                }
                heldBack = _heldBack;
                _heldBack = 0;
                _lastLogged = now;
                return true;
            }
        }

        public bool IsIdle(long now, long interval)
        {
            lock (_lock)
            {
                return now - _lastLogged >= interval;
            }
        }
    }
}
