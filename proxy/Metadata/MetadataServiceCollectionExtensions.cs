using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Metadata;
using ModelGateway.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

internal static class MetadataServiceCollectionExtensions
{
    /// <summary>The remote-metadata use case (<see cref="MetadataService"/>), its probe bounds (<c>Probes</c>) and their check.</summary>
    public static IServiceCollection AddRemoteMetadata(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ProbeOptions>().BindConfiguration(ProbeOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, ProbeConfigValidator>());
        services.TryAddSingleton<ProbeLimiter>();
        services.AddSingleton<MetadataService>();
        return services;
    }
}
