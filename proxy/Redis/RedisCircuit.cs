namespace ModelGateway.Redis;

/// <summary>
/// Keeps calls off a failing Redis. Closed: every call goes to Redis. Open (after a failure): calls skip Redis until
/// the retry time; then exactly one caller probes it — it moves the retry time on, so the others keep skipping until
/// it reports success (closed again) or failure (open again).
/// </summary>
public sealed class RedisCircuit(TimeProvider time)
{
    // UTC ticks until which Redis is skipped; 0 = closed.
    private long _openUntil;

    public bool IsOpen => Interlocked.Read(ref _openUntil) != 0;

    /// <summary>Time until Redis is tried again (zero when closed).</summary>
    public TimeSpan RetryAfter
    {
        get
        {
            var openUntil = Interlocked.Read(ref _openUntil);
            return openUntil == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Max(0, openUntil - time.GetUtcNow().UtcTicks));
        }
    }

    /// <summary>Whether this caller may call Redis now.</summary>
    /// <param name="retry">How long the others skip Redis while this caller probes it.</param>
    public bool TryEnter(TimeSpan retry)
    {
        var openUntil = Interlocked.Read(ref _openUntil);
        if (openUntil == 0)
        {
            return true;
        }
        var now = time.GetUtcNow().UtcTicks;
        return now >= openUntil && Interlocked.CompareExchange(ref _openUntil, now + retry.Ticks, openUntil) == openUntil;
    }

    /// <summary>Closes the circuit; true when it was open (the caller logs "Redis is back" once).</summary>
    public bool RecordSuccess() => Interlocked.Exchange(ref _openUntil, 0) != 0;

    /// <summary>Opens the circuit for <paramref name="retry"/>; true when it was closed (the caller logs the outage once).</summary>
    public bool RecordFailure(TimeSpan retry) => Interlocked.Exchange(ref _openUntil, time.GetUtcNow().UtcTicks + retry.Ticks) == 0;
}
