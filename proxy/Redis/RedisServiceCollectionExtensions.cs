using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Primitives;
using ModelGateway.Redis;

namespace Microsoft.Extensions.DependencyInjection;

internal static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// The shared <see cref="RedisConnection"/> from <c>ConnectionStrings:Redis</c> (may be empty) and the
    /// <see cref="RedisCircuit"/> every Redis caller consults.
    /// </summary>
    public static IServiceCollection AddGatewayRedis(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RedisOptions>()
            .Configure<IConfiguration>((options, configuration) => options.ConnectionString = configuration.GetConnectionString("Redis"));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, RedisConfigValidator>());
        services.AddSingleton<RedisCircuit>();
        services.AddSingleton<RedisConnection>();
        services.AddHostedService<RedisConnectionWarmup>();
        return services;
    }
}
