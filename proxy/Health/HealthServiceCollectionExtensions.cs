using Microsoft.AspNetCore.Builder;
using ModelGateway.Health;

namespace Microsoft.Extensions.DependencyInjection;

internal static class HealthServiceCollectionExtensions
{
    /// <summary>
    /// The readiness checks this feature owns — Redis through the shared connection, and shutdown — and the health
    /// checks builder, for the host to add its own (the configuration's) with <see cref="HealthEndpoints.ReadyTag"/>.
    /// </summary>
    public static IHealthChecksBuilder AddGatewayHealthChecks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddHealthChecks()
            .AddCheck<ShutdownReadinessCheck>("shutdown", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<RedisReadinessCheck>("redis", tags: [HealthEndpoints.ReadyTag], timeout: TimeSpan.FromSeconds(5));
    }
}
