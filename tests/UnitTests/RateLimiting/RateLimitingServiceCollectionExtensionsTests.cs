using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelGateway.Redis;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class RateLimitingServiceCollectionExtensionsTests
{
    [Fact]
    public void AddGatewayRateLimiting_RedisRetrySeconds_PacesTheSharedRedisCircuit()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["RateLimiting:RedisRetrySeconds"] = "30" })
            .Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddGatewayRedis()
            .AddGatewayRateLimiting()
            .BuildServiceProvider();

        Assert.Equal(TimeSpan.FromSeconds(30), services.GetRequiredService<IOptions<RedisCircuitOptions>>().Value.RetryInterval);
    }
}
