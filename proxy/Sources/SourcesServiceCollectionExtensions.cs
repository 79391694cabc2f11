using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Primitives;
using ModelGateway.Sources;

namespace Microsoft.Extensions.DependencyInjection;

internal static class SourcesServiceCollectionExtensions
{
    /// <summary>
    /// The generic HTTP source, the selector and the check of every <c>Sources:&lt;name&gt;</c> section. Named sources
    /// (CivitAI, Hugging Face) register themselves as <see cref="IMetadataSource"/>; the selector asks them first.
    /// </summary>
    public static IServiceCollection AddMetadataSources(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<HttpFileSource>();
        services.AddSingleton<SourceSelector>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, SourcesConfigValidator>());
        return services;
    }
}
