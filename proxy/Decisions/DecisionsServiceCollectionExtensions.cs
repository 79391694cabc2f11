using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Decisions;
using ModelGateway.Primitives;
using ModelGateway.Telemetry;

namespace Microsoft.Extensions.DependencyInjection;

internal static class DecisionsServiceCollectionExtensions
{
    /// <summary>
    /// The recent-decisions store (<see cref="RecentDecisions"/>), fed by every audit event of <see cref="GatewayTelemetry"/>,
    /// and the check of <c>Decisions</c>.
    /// </summary>
    public static IServiceCollection AddRecentDecisions(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DecisionsOptions>().BindConfiguration(DecisionsOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, DecisionsConfigValidator>());
        services.TryAddSingleton<RecentDecisions>();
        services.TryAddSingleton<IAuditEventSink>(sp => sp.GetRequiredService<RecentDecisions>());
        services.AddHostedService(sp => sp.GetRequiredService<RecentDecisions>());
        return services;
    }
}
