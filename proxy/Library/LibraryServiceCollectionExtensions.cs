using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelGateway.Library;
using ModelGateway.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

internal static class LibraryServiceCollectionExtensions
{
    /// <summary>
    /// The model library: <c>Library</c> options and their check, the store (S3 when <c>Library:S3:ServiceUrl</c> is set,
    /// else the directory <c>Library:Path</c> under the content root), fill leases, metrics, and its loading at startup.
    /// The host adds <see cref="LibraryReadinessCheck"/> to readiness.
    /// </summary>
    public static IServiceCollection AddModelLibrary(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<LibraryOptions>().BindConfiguration(LibraryOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, LibraryConfigValidator>());
        services.TryAddSingleton<IBlobStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LibraryOptions>>().Value;
            return options.UsesS3
                ? new S3BlobStore(options.S3)
                : new DirectoryBlobStore(options.FullPath(sp.GetRequiredService<IHostEnvironment>().ContentRootPath));
        });
        services.TryAddSingleton<FillLeases>();
        services.TryAddSingleton<LibraryMetrics>();
        services.TryAddSingleton<ModelLibrary>();
        services.AddHostedService<LibraryStartup>();
        return services;
    }
}
