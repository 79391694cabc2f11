using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Downloads;
using ModelGateway.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

internal static class DownloadsServiceCollectionExtensions
{
    /// <summary>
    /// The download endpoint's and the enforcing routes' streamer, the per-key stream slots, the <c>Downloads</c> options
    /// and the check of them and of the routes' <c>EnforcePolicy</c> metadata.
    /// </summary>
    public static IServiceCollection AddDownloads(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DownloadOptions>().BindConfiguration(DownloadOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, DownloadsConfigValidator>());
        services.TryAddSingleton<DownloadSlots>();
        services.TryAddSingleton<StreamCopier>();
        services.AddSingleton<FileDownloader>();
        return services;
    }
}
