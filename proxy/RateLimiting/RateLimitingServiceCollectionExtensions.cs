using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;
using ModelGateway.Redis;

namespace Microsoft.Extensions.DependencyInjection;

internal static class RateLimitingServiceCollectionExtensions
{
    /// <summary>
    /// The <c>per-key</c> limiter (<see cref="RateLimitingDefaults.PolicyName"/>) for <c>RequireRateLimiting</c> and
    /// YARP routes' <c>RateLimiterPolicy</c>, and the failed-authentication budget the key check consults. Redis or
    /// memory is decided per request from <c>ConnectionStrings:Redis</c>, so settings layered on after registration
    /// are seen. Pair with <c>UseGatewayRateLimiter()</c>.
    /// </summary>
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RateLimitingOptions>()
            .BindConfiguration(RateLimitingOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, RateLimitingConfigValidator>());
        // One Redis health for the app, paced by the limiter's setting (checked by the validator above at startup).
        services.AddOptions<RedisCircuitOptions>()
            .Configure<IOptions<RateLimitingOptions>>((health, limits) => health.RetryInterval = limits.Value.RedisRetry);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisSlidingWindow>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<RateLimitingOptions>>();
            return new MemorySlidingWindows(() => options.CurrentValue.Window, sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton<GatewayRateLimiter>();
        services.TryAddSingleton<FailedAuthenticationLimiter>();
        services.AddRateLimiter(options =>
        {
            // The middleware's default is 503; the policy's handler sets 429 or 503 itself, this covers anything else.
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy<bool, GatewayRateLimiterPolicy>(RateLimitingDefaults.PolicyName);
        });
        return services;
    }
}
