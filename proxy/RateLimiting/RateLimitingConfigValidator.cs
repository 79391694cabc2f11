using ModelGateway.Primitives;

namespace ModelGateway.RateLimiting;

/// <summary>The <c>RateLimiting</c> section: every problem listed at once.</summary>
internal sealed class RateLimitingConfigValidator : IFeatureConfigValidator
{
    public const int MaxWindowSeconds = 86_400;

    public const int MaxRedisRetrySeconds = 300;

    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new RateLimitingOptions();
        if (!ConfigBinding.TryBind(configuration.GetSection(RateLimitingOptions.SectionName), options, problems))
        {
            return;
        }
        if (options.PermitLimit <= 0)
        {
            problems.Add("RateLimiting:PermitLimit must be a positive number of requests.");
        }
        if (options.WindowSeconds is <= 0 or > MaxWindowSeconds)
        {
            problems.Add($"RateLimiting:WindowSeconds must be between 1 and {MaxWindowSeconds}.");
        }
        if (!Enum.IsDefined(options.RedisFailureMode))
        {
            problems.Add("RateLimiting:RedisFailureMode must be FailOpen or FailClosed.");
        }
        if (options.RedisRetrySeconds is <= 0 or > MaxRedisRetrySeconds)
        {
            problems.Add($"RateLimiting:RedisRetrySeconds must be between 1 and {MaxRedisRetrySeconds}.");
        }
        if (options.FailedAuthPermitLimit <= 0)
        {
            problems.Add("RateLimiting:FailedAuthPermitLimit must be a positive number of wrong keys.");
        }
        if (options.FailedAuthWindowSeconds is <= 0 or > MaxWindowSeconds)
        {
            problems.Add($"RateLimiting:FailedAuthWindowSeconds must be between 1 and {MaxWindowSeconds}.");
        }
    }
}
