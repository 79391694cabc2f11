using System.Net;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;
using StackExchange.Redis;
using static ModelGateway.IntegrationTests.Caching.CacheHttp;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Caching;

/// <summary>What the metadata cache writes to Redis: entries with TTLs, under a size cap, under the gateway's prefix.</summary>
public sealed class RedisEntryCapTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task EntryAboveCap_KeptInMemoryOnly_OtherReplicaProbesAndAnswersTheSame()
    {
        // A 100 KB preview: the entry is about 140 KiB of JSON, above a 64 KiB cap.
        await using var host = await SwitchableFileHost.StartAsync(file: LoraWithThumbnail(LargePng(100 * 1024)));
        await using var gatewayA = Gateway(("MetadataCache:MaxEntryKiB", "64"));
        await using var gatewayB = Gateway(("MetadataCache:MaxEntryKiB", "64"));
        using var clientA = gatewayA.CreateClient(TestKeys.Default);
        using var clientB = gatewayB.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("big.safetensors"));

        using var fromA = await clientA.GetAsync(path);
        using var againA = await clientA.GetAsync(path);
        using var fromB = await clientB.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, fromB.StatusCode);
        Assert.Equal(("MISS", "HIT", "MISS"), (CacheStatus(fromA), CacheStatus(againA), CacheStatus(fromB)));
        Assert.Equal(await fromA.Content.ReadAsStringAsync(), await fromB.Content.ReadAsStringAsync()); // preview included
        Assert.Equal(2, host.ProbesFor("big.safetensors"));
        Assert.Empty(await EntryKeysAsync());
    }

    [Fact]
    public async Task EntryUnderCap_SharedThroughRedis_WithTtlAndPrefix()
    {
        await using var host = await SwitchableFileHost.StartAsync(file: ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Small")));
        await using var gatewayA = Gateway(("MetadataCache:MaxEntryKiB", "64"), ("MetadataCache:TtlSeconds", "600"),
            ("MetadataCache:StaleGraceSeconds", "3000"));
        await using var gatewayB = Gateway(("MetadataCache:MaxEntryKiB", "64"));
        using var clientA = gatewayA.CreateClient(TestKeys.Default);
        using var clientB = gatewayB.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("small.safetensors"));

        using var fromA = await clientA.GetAsync(path);
        using var fromB = await clientB.GetAsync(path);

        Assert.Equal(("MISS", "HIT"), (CacheStatus(fromA), CacheStatus(fromB)));
        Assert.Equal(1, host.ProbesFor("small.safetensors"));
        var key = Assert.Single(await EntryKeysAsync());
        Assert.Matches("^model-gateway:metadata:v2:[0-9a-f]{64}:v2$", key.ToString());
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        // Kept in Redis as long as it may be served: TTL + stale grace.
        Assert.InRange((await connection.GetDatabase().KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromSeconds(3500), TimeSpan.FromSeconds(3600));
    }

    [Fact]
    public async Task NegativeEntry_InRedisForNegativeTtlOnly()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        host.Status = 404;
        await using var gatewayA = Gateway(("MetadataCache:NegativeTtlSeconds", "45"));
        await using var gatewayB = Gateway();
        using var clientA = gatewayA.CreateClient(TestKeys.Default);
        using var clientB = gatewayB.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("gone.safetensors"));

        using var fromA = await clientA.GetAsync(path);
        using var fromB = await clientB.GetAsync(path);

        Assert.Equal((HttpStatusCode.UnprocessableEntity, HttpStatusCode.UnprocessableEntity), (fromA.StatusCode, fromB.StatusCode));
        Assert.Equal(("MISS", "HIT"), (CacheStatus(fromA), CacheStatus(fromB)));
        Assert.Equal(1, host.RequestsFor("gone.safetensors"));
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var ttl = await connection.GetDatabase().KeyTimeToLiveAsync(Assert.Single(await EntryKeysAsync()));
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(45));
    }

    /// <summary>The cache's entries in Redis; its probe locks are all released by now.</summary>
    private async Task<List<RedisKey>> EntryKeysAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: "model-gateway:metadata:*"))
        {
            keys.Add(key);
        }
        Assert.DoesNotContain(keys, k => k.ToString().EndsWith(":lock", StringComparison.Ordinal));
        return keys;
    }

    private GatewayFactory Gateway(params (string Key, string? Value)[] settings)
    {
        var merged = new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.ConnectionString };
        foreach (var (key, value) in settings)
        {
            merged[key] = value;
        }
        return new GatewayFactory(merged);
    }
}
