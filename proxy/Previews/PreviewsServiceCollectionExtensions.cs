using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Previews;
using ModelGateway.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

internal static class PreviewsServiceCollectionExtensions
{
    /// <summary>The <c>Previews</c> caps, their check, and <see cref="PreviewFetcher"/>.</summary>
    public static IServiceCollection AddPreviews(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PreviewOptions>().BindConfiguration(PreviewOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, PreviewsConfigValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PreviewFetcher>();
        return services;
    }
}
