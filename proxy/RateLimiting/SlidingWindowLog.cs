namespace ModelGateway.RateLimiting;

/// <summary>
/// An exact sliding window in memory: the times of the permitted requests still inside the window. The same algorithm
/// as RedisRateLimiting's sorted set, so a replica counting on its own behaves like the shared limiter.
/// </summary>
public sealed class SlidingWindowLog
{
    private readonly Queue<DateTimeOffset> _permitted = new();
    private readonly Lock _lock = new();

    /// <summary>Counts one request at <paramref name="now"/> if the window has room.</summary>
    public RateLimitDecision TryAcquire(DateTimeOffset now, int limit, TimeSpan window)
    {
        lock (_lock)
        {
            Expire(now, window);
            var permitted = _permitted.Count < limit;
            if (permitted)
            {
                _permitted.Enqueue(now);
            }
            var resetAfter = _permitted.Count == 0 ? window : _permitted.Peek() + window - now;
            return new RateLimitDecision(
                permitted ? RateLimitOutcome.Permitted : RateLimitOutcome.Limited,
                RateLimitStore.Memory,
                limit,
                window,
                Math.Max(0, limit - _permitted.Count),
                resetAfter);
        }
    }

    /// <summary>True when no counted request is left in the window (the log may be dropped).</summary>
    public bool IsEmpty(DateTimeOffset now, TimeSpan window)
    {
        lock (_lock)
        {
            Expire(now, window);
            return _permitted.Count == 0;
        }
    }

    private void Expire(DateTimeOffset now, TimeSpan window)
    {
        // A request leaves the window exactly one window after it was made (as ZREMRANGEBYSCORE … now-window does).
        while (_permitted.Count > 0 && _permitted.Peek() + window <= now)
        {
            _permitted.Dequeue();
        }
    }
}
