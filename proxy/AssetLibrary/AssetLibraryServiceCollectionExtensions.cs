using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.AssetLibrary;
using ModelGateway.Library;
using ModelGateway.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

internal static class AssetLibraryServiceCollectionExtensions
{
    /// <summary>
    /// Comfy Cloud's asset and task API on the library: the records' database (SQLite, or PostgreSQL with
    /// <c>ConnectionStrings:Assets</c>), the import task runner (a hosted service that also migrates the schema at startup),
    /// uploads, content, the ComfyUI tree, the retention of referenced blobs, and the check of the section's keys.
    /// </summary>
    public static IServiceCollection AddAssetLibrary(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<AssetLibraryOptions>().BindConfiguration(AssetLibraryOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, AssetLibraryConfigValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBlobRetention, AssetBlobRetention>());
        services.TryAddSingleton<AssetDatabase>();
        services.TryAddSingleton<AssetRepository>();
        services.TryAddSingleton<TaskRepository>();
        services.TryAddSingleton<AssetVisibility>();
        services.TryAddSingleton<AssetCatalog>();
        services.TryAddSingleton<AssetAudit>();
        services.TryAddSingleton<ApiKeyPrincipals>();
        services.TryAddSingleton<ComfyModelTree>();
        services.TryAddSingleton<AssetReferences>();
        services.TryAddSingleton<AssetImporter>();
        services.TryAddSingleton<AssetDownloads>();
        services.TryAddSingleton<AssetUploads>();
        services.TryAddSingleton<AssetContent>();
        services.TryAddSingleton<AssetRemoval>();
        services.TryAddSingleton<ImportTaskRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<ImportTaskRunner>());
        return services;
    }
}
