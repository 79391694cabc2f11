using Microsoft.Extensions.Options;

namespace ModelGateway.RateLimiting;

/// <summary>What the limiter does while Redis cannot be reached.</summary>
internal enum RedisFailureMode
{
    /// <summary>Keep serving, each replica counting on its own (limits then hold per replica, not in total).</summary>
    FailOpen,

    /// <summary>Refuse requests with 503 <c>SERVICE_UNAVAILABLE</c> until Redis answers again.</summary>
    FailClosed,
}

/// <summary>The per-key sliding window and the failed-authentication budget (<c>RateLimiting</c> section).</summary>
internal sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>Requests one API key (or one anonymous client address) may make per window.</summary>
    public int PermitLimit { get; set; } = 60;

    /// <summary>Length of the sliding window in seconds.</summary>
    public int WindowSeconds { get; set; } = 60;

    /// <summary>What happens to requests while Redis is configured but unreachable.</summary>
    public RedisFailureMode RedisFailureMode { get; set; } = RedisFailureMode.FailOpen;

    /// <summary>After a Redis failure, how long requests skip Redis before one request tries it again.</summary>
    public int RedisRetrySeconds { get; set; } = 5;

    /// <summary>Different wrong API keys one client address may present per failed-authentication window.</summary>
    public int FailedAuthPermitLimit { get; set; } = 20;

    /// <summary>Length of the failed-authentication window in seconds; it starts at an address's first failure.</summary>
    public int FailedAuthWindowSeconds { get; set; } = 60;

    public TimeSpan Window => TimeSpan.FromSeconds(WindowSeconds);

    public TimeSpan RedisRetry => TimeSpan.FromSeconds(RedisRetrySeconds);

    public TimeSpan FailedAuthWindow => TimeSpan.FromSeconds(FailedAuthWindowSeconds);
}
