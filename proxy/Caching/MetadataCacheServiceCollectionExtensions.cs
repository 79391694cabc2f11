using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Caching;
using ModelGateway.Primitives;
using ModelGateway.Redis;

namespace Microsoft.Extensions.DependencyInjection;

internal static class MetadataCacheServiceCollectionExtensions
{
    /// <summary>
    /// The shared metadata cache (FusionCache): size-limited memory, and Redis with its distributed lock when
    /// <c>ConnectionStrings:Redis</c> is set.
    /// </summary>
    public static IServiceCollection AddMetadataCache(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<MetadataCacheOptions>()
            .BindConfiguration(MetadataCacheOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, MetadataCacheConfigValidator>());
        services.AddSingleton(sp => new MetadataCache(
            sp.GetRequiredService<IOptionsMonitor<MetadataCacheOptions>>(),
            sp.GetRequiredService<RedisConnection>(),
            sp.GetRequiredService<RedisCircuit>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }
}
