using ModelGateway.Sources;
using ModelGateway.Sources.Http;

namespace Microsoft.Extensions.DependencyInjection;

public static class SourcesServiceCollectionExtensions
{
    /// <summary>The generic HTTP source and the selector. Named sources register themselves as <see cref="IMetadataSource"/>.</summary>
    public static IServiceCollection AddMetadataSources(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddTransient<HttpFileSource>();
        services.AddTransient<SourceSelector>();
        services.AddCivitAiSource();
        services.AddHuggingFaceSource();
        return services;
    }
}
