namespace ModelGateway.RateLimiting;

/// <summary>
/// An exact sliding window in memory: the times of the requests counted in the last window. The same algorithm as
/// the Redis script (<see cref="RedisSlidingWindow"/>), so a replica counting on its own behaves like the shared limiter.
/// </summary>
internal sealed class SlidingWindowLog
{
    // UTC ticks of the counted requests, oldest first.
    private readonly Queue<long> _counted = new();
    private readonly Lock _lock = new();
    private bool _retired;

    /// <summary>
    /// Counts one request at <paramref name="now"/> if the window has room. Null when the log was retired (its store
    /// dropped it): the caller takes a fresh log, so no count is lost.
    /// </summary>
    public RateLimitDecision? TryAcquire(DateTimeOffset now, int limit, TimeSpan window)
    {
        var nowTicks = now.UtcTicks;
        lock (_lock)
        {
            if (_retired)
            {
                return null;
            }
            Expire(nowTicks, window);
            var permitted = _counted.Count < limit;
            if (permitted)
            {
                _counted.Enqueue(nowTicks);
            }
            return new RateLimitDecision(
                permitted ? RateLimitOutcome.Permitted : RateLimitOutcome.Limited,
                limit,
                window,
                Math.Max(0, limit - _counted.Count),
                TimeSpan.FromTicks(_counted.Peek() + window.Ticks - nowTicks));
        }
    }

    /// <summary>Retires the log when no counted request is left in the window; true when it did.</summary>
    public bool TryRetire(DateTimeOffset now, TimeSpan window)
    {
        lock (_lock)
        {
            Expire(now.UtcTicks, window);
            _retired |= _counted.Count == 0;
            return _retired;
        }
    }

    private void Expire(long nowTicks, TimeSpan window)
    {
        // A request leaves the window exactly one window after it was made (as ZREMRANGEBYSCORE … now-window does).
        while (_counted.Count > 0 && _counted.Peek() + window.Ticks <= nowTicks)
        {
            _counted.Dequeue();
        }
    }
}
