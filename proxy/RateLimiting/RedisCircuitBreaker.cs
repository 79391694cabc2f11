using Microsoft.Extensions.Options;

namespace ModelGateway.RateLimiting;

/// <summary>
/// Keeps requests off a failing Redis: after a failure, Redis is skipped for <c>RateLimiting:RedisRetrySeconds</c>;
/// then a single request probes it while the others keep skipping. One breaker for the app (there is one Redis).
/// </summary>
public sealed partial class RedisCircuitBreaker(IOptions<RateLimitingOptions> options, TimeProvider time, ILogger<RedisCircuitBreaker> logger)
{
    // UTC ticks until which Redis is skipped; 0 = closed (use Redis).
    private long _openUntil;

    public bool IsOpen => Interlocked.Read(ref _openUntil) != 0;

    /// <summary>Whether this request may call Redis now.</summary>
    public bool TryEnter()
    {
        var openUntil = Interlocked.Read(ref _openUntil);
        if (openUntil == 0)
        {
            return true;
        }
        var now = time.GetUtcNow().UtcTicks;
        if (now < openUntil)
        {
            return false;
        }
        // Half-open: the one caller that moves the deadline on probes Redis; the others wait for its verdict.
        return Interlocked.CompareExchange(ref _openUntil, now + options.Value.RedisRetry.Ticks, openUntil) == openUntil;
    }

    /// <summary>Time until Redis is tried again (zero when closed).</summary>
    public TimeSpan RetryAfter
    {
        get
        {
            var openUntil = Interlocked.Read(ref _openUntil);
            return openUntil == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Max(0, openUntil - time.GetUtcNow().UtcTicks));
        }
    }

    public void RecordSuccess()
    {
        if (Interlocked.Exchange(ref _openUntil, 0) != 0)
        {
            Log.Closed(logger);
        }
    }

    public void RecordFailure(Exception? exception)
    {
        var retry = options.Value.RedisRetry;
        if (Interlocked.Exchange(ref _openUntil, time.GetUtcNow().UtcTicks + retry.Ticks) == 0)
        {
            Log.Opened(logger, options.Value.RedisFailureMode, (int)retry.TotalSeconds, exception);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Rate limiting cannot reach Redis; {FailureMode} until it answers (next try in {RetrySeconds} s).", EventName = "RateLimitRedisUnavailable")]
        public static partial void Opened(ILogger logger, RedisFailureMode failureMode, int retrySeconds, Exception? exception);

        [LoggerMessage(2, LogLevel.Information, "Rate limiting counts in Redis again.", EventName = "RateLimitRedisRestored")]
        public static partial void Closed(ILogger logger);
    }
}
