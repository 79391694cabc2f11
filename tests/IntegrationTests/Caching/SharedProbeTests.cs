using System.Diagnostics;
using System.Net;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;
using Xunit.Abstractions;
using static ModelGateway.IntegrationTests.Caching.CacheHttp;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Caching;

/// <summary>One probe chain per key: across replicas sharing a Redis, and for callers waiting behind a failing probe.</summary>
public sealed class SharedProbeTests(RedisFixture redis, ITestOutputHelper output) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TwoGateways_OneRedis_100ConcurrentLookups_OneProbeChain()
    {
        await using var host = await SwitchableFileHost.StartAsync(file: ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Shared")));
        await using var gatewayA = Gateway();
        await using var gatewayB = Gateway();
        using var clientA = gatewayA.CreateClient(TestKeys.Default);
        using var clientB = gatewayB.CreateClient(TestKeys.Default);
        // Both replicas up and connected to Redis before the burst (a replica without Redis probes for itself).
        using (var warmA = await clientA.GetAsync(MetadataPath(host.Url("warm-a.safetensors"))))
        using (var warmB = await clientB.GetAsync(MetadataPath(host.Url("warm-b.safetensors"))))
        {
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (warmA.StatusCode, warmB.StatusCode));
        }
        host.Delay = TimeSpan.FromMilliseconds(500);
        var path = MetadataPath(host.Url("slow.safetensors"));

        var watch = Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => (i % 2 == 0 ? clientA : clientB).GetAsync(path)));
        watch.Stop();

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        var statuses = responses.Select(CacheStatus).ToList();
        output.WriteLine($"100 lookups on 2 gateways in {watch.ElapsedMilliseconds} ms: " +
            $"GET {host.RequestsFor("slow.safetensors", "GET")}, " +
            $"MISS {statuses.Count(s => s == "MISS")}, HIT {statuses.Count(s => s == "HIT")}");
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // One probe chain, one request: its Range GET also brings the head the content check reads.
        Assert.Equal(1, host.RequestsFor("slow.safetensors"));
        Assert.Single(bodies.Distinct());
        Assert.Equal("SafeTensor", (await JsonAsync(responses[0])).GetProperty("format").GetString());
        Assert.Equal((1, 99), (statuses.Count(s => s == "MISS"), statuses.Count(s => s == "HIT")));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task ConcurrentLookups_SourceFails_WaitersShareTheFailureInsteadOfProbingInTurn()
    {
        await using var host = await SwitchableFileHost.StartAsync(delay: TimeSpan.FromMilliseconds(300));
        host.Status = 503;
        await using var gateway = Gateway();
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("down.safetensors"));

        var watch = Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync(path)));
        watch.Stop();
        var burstProbes = host.RequestsFor("down.safetensors", "GET");
        host.Status = 200;
        using var later = await client.GetAsync(path);

        output.WriteLine($"20 lookups of a failing source in {watch.ElapsedMilliseconds} ms, {burstProbes} probe(s)");
        Assert.Equal(1, burstProbes);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode));
        foreach (var response in responses)
        {
            Assert.Equal("SOURCE_SERVER_ERROR", (await JsonAsync(response)).GetProperty("code").GetString());
        }
        Assert.Equal(1, responses.Count(r => CacheStatus(r) == "MISS")); // the others were answered by its probe
        // A request after the failure asks the source again: the failure was shared, never cached.
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Equal("MISS", CacheStatus(later));
        Assert.Equal(2, host.RequestsFor("down.safetensors", "GET"));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    private GatewayFactory Gateway() => new(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.ConnectionString });
}
