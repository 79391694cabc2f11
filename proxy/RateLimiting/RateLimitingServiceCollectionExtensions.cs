using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelGateway.RateLimiting;

namespace Microsoft.Extensions.DependencyInjection;

public static class RateLimitingServiceCollectionExtensions
{
    /// <summary>
    /// ASP.NET Core's rate limiter with the <c>per-key</c> policy (<see cref="RateLimitingDefaults.PolicyName"/>), for
    /// <c>RequireRateLimiting</c> and YARP routes' <c>RateLimiterPolicy</c>. Redis or memory is decided per request
    /// from <c>ConnectionStrings:Redis</c>, so settings layered on after registration are seen.
    /// </summary>
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RateLimitingOptions>()
            .BindConfiguration(RateLimitingOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RateLimitingOptions>, RateLimitingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.TryAddSingleton<RedisCircuitBreaker>();
        services.AddRateLimiter(options =>
        {
            // The middleware's default is 503; the policy's handler sets 429 or 503 itself, this covers anything else.
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy<RateLimitPartitionKey, GatewayRateLimiterPolicy>(RateLimitingDefaults.PolicyName);
        });
        return services;
    }
}
