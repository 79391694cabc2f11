using ModelGateway.Redis;

namespace Microsoft.Extensions.DependencyInjection;

public static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// The shared <see cref="RedisConnection"/> from <c>ConnectionStrings:Redis</c> (may be empty) and the
    /// <see cref="RedisHealth"/> every Redis caller consults.
    /// </summary>
    public static IServiceCollection AddGatewayRedis(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RedisOptions>()
            .Configure<IConfiguration>((options, configuration) => options.ConnectionString = configuration.GetConnectionString("Redis"))
            .Validate(RedisOptions.IsValid, "ConnectionStrings:Redis is not a valid StackExchange.Redis connection string (e.g. \"redis:6379,password=…\").")
            .ValidateOnStart();
        services.AddSingleton<RedisHealth>();
        services.AddSingleton<RedisConnection>();
        services.AddHostedService<RedisConnectionWarmup>();
        return services;
    }
}
