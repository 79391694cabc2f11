using ModelGateway.Sources;

namespace Microsoft.Extensions.DependencyInjection;

public static class SourcesServiceCollectionExtensions
{
    /// <summary>
    /// The generic HTTP source and the selector. Named sources (CivitAI, Hugging Face) register themselves as
    /// <see cref="IMetadataSource"/>; the selector asks them first.
    /// </summary>
    public static IServiceCollection AddMetadataSources(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddTransient<HttpFileSource>();
        services.AddTransient<SourceSelector>();
        return services;
    }
}
