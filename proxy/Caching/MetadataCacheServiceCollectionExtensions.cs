using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using ModelGateway.Caching;

namespace Microsoft.Extensions.DependencyInjection;

public static class MetadataCacheServiceCollectionExtensions
{
    /// <summary>
    /// The shared metadata cache: its own keyed HybridCache (memory) whose second level is Redis when
    /// <c>ConnectionStrings:Redis</c> is set, decided on first use.
    /// </summary>
    public static IServiceCollection AddMetadataCache(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<MetadataCacheOptions>()
            .BindConfiguration(MetadataCacheOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetadataCacheOptions>, MetadataCacheOptionsValidator>();
        services.AddKeyedSingleton<IDistributedCache, ResilientRedisCache>(MetadataCache.ServiceKey);
        services.AddKeyedHybridCache(MetadataCache.ServiceKey, options =>
            {
                options.DistributedCacheServiceKey = MetadataCache.ServiceKey;
                // Entries are small; uncompressed they stay readable in redis-cli for operators.
                options.DisableCompression = true;
            })
            .AddSerializer<CachedMetadata, CachedMetadataSerializer>();
        services.AddSingleton<MetadataCache>();
        return services;
    }
}
