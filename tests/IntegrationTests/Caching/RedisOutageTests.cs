using System.Diagnostics;
using System.Net;
using ModelGateway.IntegrationTests.Infrastructure;
using Xunit.Abstractions;
using static ModelGateway.IntegrationTests.Caching.CacheHttp;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Caching;

/// <summary>Redis stops mid-test: lookups keep succeeding without long stalls, and the cache recovers with Redis.</summary>
public sealed class RedisOutageTests(RedisFixture redis, ITestOutputHelper output) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    // Generous: a stalled Redis call is bounded at about 1 s; a timed assertion must not be flaky.
    private static readonly TimeSpan RequestBound = TimeSpan.FromSeconds(3);

    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RedisStopped_RequestsKeepSucceeding_AndCacheRecoversAfterRestart()
    {
        Assert.True(redis.CanRestart, "This test needs a redis-server the fixture started (not REDIS_TEST_CONNECTION or a container).");
        await using var host = await SwitchableFileHost.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["RateLimiting:RedisRetrySeconds"] = "1",
            ["Policy:VerifyContent"] = "false",
        };
        await using var gateway = new GatewayFactory(settings);
        using var client = gateway.CreateClient(TestKeys.Default);
        using var before = await client.GetAsync(MetadataPath(host.Url("before.safetensors")));
        Assert.Equal("MISS", CacheStatus(before));

        await redis.StopAsync();
        var during = new List<(string Name, HttpStatusCode Status, string? Cache, TimeSpan Took)>();
        foreach (var name in new[] { "before.safetensors", "during-1.safetensors", "during-2.safetensors", "during-3.safetensors", "during-1.safetensors" })
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.GetAsync(MetadataPath(host.Url(name)));
            during.Add((name, response.StatusCode, CacheStatus(response), watch.Elapsed));
            output.WriteLine($"Redis down: {name} {response.StatusCode} {CacheStatus(response)} in {watch.Elapsed.TotalMilliseconds:0} ms");
        }

        Assert.All(during, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.All(during, r => Assert.True(r.Took < RequestBound, $"{r.Name} took {r.Took.TotalMilliseconds:0} ms with Redis down."));
        Assert.Equal(["HIT", "MISS", "MISS", "MISS", "HIT"], during.Select(r => r.Cache));

        await redis.RestartAsync();
        await using var second = new GatewayFactory(settings);
        using var secondClient = second.CreateClient(TestKeys.Default);
        string? sharedStatus = null;
        var attempt = 0;
        var waited = Stopwatch.StartNew();
        // The connection comes back within a few seconds (reconnect + circuit retry); poll with fresh URLs until an
        // entry the first gateway writes is served to the second one from Redis.
        while (sharedStatus != "HIT" && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            var name = $"after-{attempt++}.safetensors";
            using var written = await client.GetAsync(MetadataPath(host.Url(name)));
            Assert.Equal(HttpStatusCode.OK, written.StatusCode);
            using var read = await secondClient.GetAsync(MetadataPath(host.Url(name)));
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            sharedStatus = CacheStatus(read);
            if (sharedStatus == "HIT")
            {
                Assert.Equal(1, host.RequestsFor(name));
            }
            else
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        }

        output.WriteLine($"Second gateway served an entry from Redis {waited.Elapsed.TotalSeconds:0.0} s after the restart.");
        Assert.Equal("HIT", sharedStatus);
    }
}
