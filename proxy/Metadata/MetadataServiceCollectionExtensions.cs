using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Metadata;

namespace Microsoft.Extensions.DependencyInjection;

internal static class MetadataServiceCollectionExtensions
{
    /// <summary>The remote-metadata use case (<see cref="MetadataService"/>) above the asset pipeline.</summary>
    public static IServiceCollection AddRemoteMetadata(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<MetadataService>();
        return services;
    }
}
