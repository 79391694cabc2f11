using System.Collections.Concurrent;

namespace ModelGateway.RateLimiting;

/// <summary>
/// This replica's own windows, one <see cref="SlidingWindowLog"/> per partition: the store without Redis, and under
/// <see cref="RedisFailureMode.FailOpen"/> while Redis is down. Decides synchronously. A timer drops partitions
/// with nothing left in their window, so memory follows the active callers, not every caller ever seen. The window is
/// read on each use, so a live edit of <c>RateLimiting:WindowSeconds</c> applies at once.
/// </summary>
internal sealed class MemorySlidingWindows : IDisposable
{
    private static readonly TimeSpan LongestSweepPeriod = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, SlidingWindowLog> _logs = new(StringComparer.Ordinal);
    private readonly Func<TimeSpan> _window;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public MemorySlidingWindows(Func<TimeSpan> window, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(window);
        _window = window;
        _time = time;
        var initial = window();
        var period = initial < LongestSweepPeriod ? initial : LongestSweepPeriod;
        _sweeper = time.CreateTimer(static state => ((MemorySlidingWindows)state!).Sweep(), this, period, period);
    }

    /// <summary>Partitions currently held.</summary>
    public int Count => _logs.Count;

    /// <summary>Counts one request of <paramref name="partition"/> if its window has room.</summary>
    public RateLimitDecision TryAcquire(RateLimitPartitionKey partition)
    {
        var now = _time.GetUtcNow();
        var window = _window();
        while (true)
        {
            var log = _logs.GetOrAdd(partition.Id, static _ => new SlidingWindowLog());
            if (log.TryAcquire(now, partition.PermitLimit, window) is { } decision)
            {
                return decision;
            }
            // Retired by a sweep in between: make sure it is gone, then count in a fresh log.
            _logs.TryRemove(KeyValuePair.Create(partition.Id, log));
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        var window = _window();
        foreach (var (id, log) in _logs)
        {
            if (log.TryRetire(now, window))
            {
                _logs.TryRemove(KeyValuePair.Create(id, log));
            }
        }
    }
}
