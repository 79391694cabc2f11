using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Assets;
using ModelGateway.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

internal static class AssetsServiceCollectionExtensions
{
    /// <summary>The one lookup both asset answers share (<see cref="AssetPipeline"/>), its probe bounds (<c>Probes</c>) and their check.</summary>
    public static IServiceCollection AddAssetPipeline(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ProbeOptions>().BindConfiguration(ProbeOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, ProbeConfigValidator>());
        services.TryAddSingleton<ProbeLimiter>();
        services.TryAddSingleton<AssetPipeline>();
        return services;
    }
}
