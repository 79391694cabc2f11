using Microsoft.Extensions.Options;
using ModelGateway.Redis;

namespace ModelGateway.RateLimiting;

/// <summary>
/// Keeps requests off a failing Redis: after a failure, Redis is skipped for <c>RateLimiting:RedisRetrySeconds</c>;
/// then a single request probes it while the others keep skipping. One breaker for the app (there is one Redis).
/// </summary>
public sealed partial class RedisCircuitBreaker(IOptions<RateLimitingOptions> options, TimeProvider time, ILogger<RedisCircuitBreaker> logger)
{
    private readonly RedisCircuit _circuit = new(time);

    public bool IsOpen => _circuit.IsOpen;

    /// <summary>Whether this request may call Redis now.</summary>
    public bool TryEnter() => _circuit.TryEnter(options.Value.RedisRetry);

    /// <summary>Time until Redis is tried again (zero when closed).</summary>
    public TimeSpan RetryAfter => _circuit.RetryAfter;

    public void RecordSuccess()
    {
        if (_circuit.RecordSuccess())
        {
            Log.Closed(logger);
        }
    }

    public void RecordFailure(Exception? exception)
    {
        var retry = options.Value.RedisRetry;
        if (_circuit.RecordFailure(retry))
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
