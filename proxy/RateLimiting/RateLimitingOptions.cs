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

/// <summary>Lists every problem of the <c>RateLimiting</c> section at once.</summary>
internal sealed class RateLimitingOptionsValidator : IValidateOptions<RateLimitingOptions>
{
    public const int MaxWindowSeconds = 86_400;

    public const int MaxRedisRetrySeconds = 300;

    public ValidateOptionsResult Validate(string? name, RateLimitingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.PermitLimit <= 0)
        {
            failures.Add("RateLimiting:PermitLimit must be a positive number of requests.");
        }
        if (options.WindowSeconds is <= 0 or > MaxWindowSeconds)
        {
            failures.Add($"RateLimiting:WindowSeconds must be between 1 and {MaxWindowSeconds}.");
        }
        if (!Enum.IsDefined(options.RedisFailureMode))
        {
            failures.Add("RateLimiting:RedisFailureMode must be FailOpen or FailClosed.");
        }
        if (options.RedisRetrySeconds is <= 0 or > MaxRedisRetrySeconds)
        {
            failures.Add($"RateLimiting:RedisRetrySeconds must be between 1 and {MaxRedisRetrySeconds}.");
        }
        if (options.FailedAuthPermitLimit <= 0)
        {
            failures.Add("RateLimiting:FailedAuthPermitLimit must be a positive number of wrong keys.");
        }
        if (options.FailedAuthWindowSeconds is <= 0 or > MaxWindowSeconds)
        {
            failures.Add($"RateLimiting:FailedAuthWindowSeconds must be between 1 and {MaxWindowSeconds}.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
