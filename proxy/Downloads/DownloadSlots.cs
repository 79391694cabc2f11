using System.Collections.Concurrent;

namespace ModelGateway.Downloads;

/// <summary>
/// The streams each caller holds open on this replica (<c>Downloads:MaxConcurrentPerKey</c>). A slot is taken before the
/// file host is asked for the bytes and given back when the stream ends, however it ends.
/// </summary>
internal sealed class DownloadSlots
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>A slot for <paramref name="caller"/>, or null when it already holds <paramref name="limit"/> streams.</summary>
    public Slot? TryTake(string caller, int limit)
    {
        ArgumentNullException.ThrowIfNull(caller);
        while (true)
        {
            var open = _open.GetOrAdd(caller, 0);
            if (open >= limit)
            {
                return null;
            }
            if (_open.TryUpdate(caller, open + 1, open))
            {
                return new Slot(this, caller);
            }
        }
    }

    private void Release(string caller)
    {
        while (_open.TryGetValue(caller, out var open))
        {
            if (open <= 1)
            {
                // Removed only while still at 1: a slot taken meanwhile makes this fail, and the loop decrements instead.
                if (_open.TryRemove(new KeyValuePair<string, int>(caller, open)))
                {
                    return;
                }
            }
            else if (_open.TryUpdate(caller, open - 1, open))
            {
                return;
            }
        }
    }

    /// <summary>One open stream; disposing it gives the slot back (once).</summary>
    internal sealed class Slot(DownloadSlots owner, string caller) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(caller);
            }
        }
    }
}
