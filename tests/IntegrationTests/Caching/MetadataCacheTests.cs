using System.Net;
using System.Text;
using ModelGateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using static ModelGateway.IntegrationTests.Caching.CacheHttp;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Caching;

/// <summary>The shared metadata cache against a real Redis and fake hosts that count the probes they receive.</summary>
public sealed class MetadataCacheTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task SecondRequest_SameUrl_ServedFromCacheWithoutUpstream()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway();
        using var client = gateway.CreateClient(TestKeys.Default);

        using var first = await client.GetAsync(MetadataPath(host.Url("model.safetensors")));
        using var second = await client.GetAsync(MetadataPath(host.Url("model.safetensors")));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("MISS", CacheStatus(first));
        Assert.Equal("HIT", CacheStatus(second));
        Assert.Equal(1, host.RequestsFor("model.safetensors"));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SecondGateway_SharedRedis_ServesFirstGatewaysEntryWithoutUpstream()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gatewayA = Gateway();
        await using var gatewayB = Gateway();
        using var clientA = gatewayA.CreateClient(TestKeys.Default);
        using var clientB = gatewayB.CreateClient(TestKeys.Default);

        using var first = await clientA.GetAsync(MetadataPath(host.Url("shared.safetensors")));
        using var second = await clientB.GetAsync(MetadataPath(host.Url("shared.safetensors")));

        Assert.Equal("MISS", CacheStatus(first));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("HIT", CacheStatus(second));
        Assert.Equal(1, host.RequestsFor("shared.safetensors"));
        Assert.Equal(1234, (await JsonAsync(second)).GetProperty("content_length").GetInt64());
    }

    [Fact]
    public async Task ConcurrentRequests_ColdUrl_OneProbe()
    {
        await using var host = await SwitchableFileHost.StartAsync(delay: TimeSpan.FromMilliseconds(300));
        await using var gateway = Gateway();
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("cold.safetensors"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetAsync(path)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, host.RequestsFor("cold.safetensors"));
        Assert.Contains(responses, r => CacheStatus(r) == "MISS");
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task SourceNotFound_CachedBriefly_ThenAskedAgain()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        host.Status = 404;
        await using var gateway = Gateway(("MetadataCache:NegativeTtlSeconds", "2"));
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("missing.safetensors"));

        using var first = await client.GetAsync(path);
        var probesAfterFirst = host.RequestsFor("missing.safetensors");
        using var second = await client.GetAsync(path);
        var probesAfterSecond = host.RequestsFor("missing.safetensors");
        await Task.Delay(TimeSpan.FromMilliseconds(2500));
        using var third = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, first.StatusCode);
        Assert.Equal("RESOURCE_NOT_FOUND", (await JsonAsync(first)).GetProperty("code").GetString());
        Assert.Equal("MISS", CacheStatus(first));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        var cached = await JsonAsync(second);
        Assert.Equal(["code", "message"], cached.EnumerateObject().Select(p => p.Name));
        Assert.Equal("RESOURCE_NOT_FOUND", cached.GetProperty("code").GetString());
        Assert.Equal("HIT", CacheStatus(second));
        Assert.Equal(1, probesAfterFirst);
        Assert.Equal(1, probesAfterSecond);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, third.StatusCode);
        Assert.Equal("MISS", CacheStatus(third));
        Assert.Equal(2, host.RequestsFor("missing.safetensors"));
    }

    [Fact]
    public async Task SourceServerError_NotCached()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        host.Status = 503;
        await using var gateway = Gateway();
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("flaky.safetensors"));

        using var first = await client.GetAsync(path);
        using var second = await client.GetAsync(path);
        host.Status = 200;
        using var third = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, first.StatusCode);
        Assert.Equal("SOURCE_SERVER_ERROR", (await JsonAsync(first)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal("MISS", CacheStatus(third));
        Assert.Equal(3, host.RequestsFor("flaky.safetensors"));
    }

    [Fact]
    public async Task CachedEntry_StrictProfile_GetsItsOwnVerdict()
    {
        // 30 GB: allowed by the default policy (no size limit), above the strict profile's 25 GB.
        await using var host = await SwitchableFileHost.StartAsync(size: 30_000_000_000);
        await using var gateway = Gateway();
        using var defaultClient = gateway.CreateClient(TestKeys.Default);
        using var strictClient = gateway.CreateClient(TestKeys.Strict);
        var path = MetadataPath(host.Url("huge.safetensors"));

        using var asDefault = await defaultClient.GetAsync(path);
        using var asStrict = await strictClient.GetAsync(path);
        using var asDefaultAgain = await defaultClient.GetAsync(path);

        var defaultBody = await JsonAsync(asDefault);
        var strictBody = await JsonAsync(asStrict);
        Assert.Equal("MISS", CacheStatus(asDefault));
        Assert.True(defaultBody.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Equal("HIT", CacheStatus(asStrict));
        Assert.False(strictBody.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Equal(["FILE_TOO_LARGE"], Codes(strictBody, "errors"));
        Assert.Equal("HIT", CacheStatus(asDefaultAgain));
        Assert.True((await JsonAsync(asDefaultAgain)).GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Equal(1, host.RequestsFor("huge.safetensors"));
    }

    [Fact]
    public async Task ExpiredEntry_SourceAnswers_Refreshed()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway(("MetadataCache:TtlSeconds", "2"));
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("refresh.safetensors"));

        using var first = await client.GetAsync(path);
        await Task.Delay(TimeSpan.FromMilliseconds(2300));
        using var second = await client.GetAsync(path);
        using var third = await client.GetAsync(path);

        Assert.Equal("MISS", CacheStatus(first));
        Assert.Equal("MISS", CacheStatus(second));
        Assert.Equal("HIT", CacheStatus(third));
        Assert.Empty(Codes(await JsonAsync(second), "warnings"));
        Assert.Equal(2, host.RequestsFor("refresh.safetensors"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ExpiredEntry_SourceFails_ServesStaleFactsWithWarning(bool withRedis)
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway(("MetadataCache:TtlSeconds", "1"), ("MetadataCache:StaleGraceSeconds", "60"),
            ("MetadataCache:FailureRetrySeconds", "30"), ("ConnectionStrings:Redis", withRedis ? redis.ConnectionString : ""));
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("stale.safetensors"));

        using var first = await client.GetAsync(path);
        host.Status = 503;
        await Task.Delay(TimeSpan.FromMilliseconds(1300));
        using var stale = await client.GetAsync(path);
        using var staleAgain = await client.GetAsync(path);

        Assert.Equal("MISS", CacheStatus(first));
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("STALE", CacheStatus(stale));
        var body = await JsonAsync(stale);
        Assert.Equal(1234, body.GetProperty("content_length").GetInt64());
        Assert.Equal(["STALE_METADATA"], Codes(body, "warnings"));
        Assert.True(body.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, staleAgain.StatusCode);
        Assert.Equal("STALE", CacheStatus(staleAgain));
        Assert.Equal(2, host.RequestsFor("stale.safetensors")); // the failing source is not asked on every request
    }

    [Fact]
    public async Task ExpiredEntry_ConcurrentRequests_OneRefreshProbe()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway(("MetadataCache:TtlSeconds", "2"));
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("busy.safetensors"));
        using var first = await client.GetAsync(path);
        host.Delay = TimeSpan.FromMilliseconds(300);
        await Task.Delay(TimeSpan.FromMilliseconds(2300));

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync(path)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, host.RequestsFor("busy.safetensors"));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task ExpiredEntry_SourceTimesOut_ServesStaleFacts()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway(("MetadataCache:TtlSeconds", "1"), ("Egress:TimeoutSeconds", "1"));
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("slow.safetensors"));

        using var first = await client.GetAsync(path);
        host.Delay = TimeSpan.FromSeconds(5);
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        using var stale = await client.GetAsync(path);

        Assert.Equal("MISS", CacheStatus(first));
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("STALE", CacheStatus(stale));
        Assert.Equal(["STALE_METADATA"], Codes(await JsonAsync(stale), "warnings"));
    }

    [Fact]
    public async Task ExpiredEntry_SourceFailsAfterGrace_Fails()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway(("MetadataCache:TtlSeconds", "1"), ("MetadataCache:StaleGraceSeconds", "0"));
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("gone-stale.safetensors"));

        using var first = await client.GetAsync(path);
        host.Status = 503;
        await Task.Delay(TimeSpan.FromMilliseconds(1300));
        using var second = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("SOURCE_SERVER_ERROR", (await JsonAsync(second)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task CachedEntries_UrlWithToken_NoSecretInRedisKeysOrValues()
    {
        const string Secret = "s3cr3t-token-value";
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway();
        using var client = gateway.CreateClient(TestKeys.Default);

        using var response = await client.GetAsync(MetadataPath(new Uri(host.Url("private.safetensors") + "?token=" + Secret)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: "*"))
        {
            keys.Add(key);
        }
        var entries = keys.Where(k => k.ToString().StartsWith("model-gateway:metadata:v2:", StringComparison.Ordinal)).ToList();
        Assert.Single(entries);
        var everything = new StringBuilder();
        foreach (var key in keys)
        {
            everything.Append(key.ToString()).Append('\n');
            if (await connection.GetDatabase().KeyTypeAsync(key) != RedisType.Hash)
            {
                continue; // the rate limiter's sorted sets hold only timestamps
            }
            foreach (var field in await connection.GetDatabase().HashGetAllAsync(key))
            {
                everything.Append(Encoding.UTF8.GetString((byte[])field.Value!)).Append('\n');
            }
        }
        var dump = everything.ToString();
        Assert.Contains("private.safetensors", dump, StringComparison.Ordinal); // the facts are there, readable
        Assert.DoesNotContain(Secret, dump, StringComparison.Ordinal);
        Assert.DoesNotContain(TestKeys.Default, dump, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoRedisConfigured_MemoryCacheServesSecondRequest()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway(("ConnectionStrings:Redis", ""));
        using var client = gateway.CreateClient(TestKeys.Default);

        using var first = await client.GetAsync(MetadataPath(host.Url("local.safetensors")));
        using var second = await client.GetAsync(MetadataPath(host.Url("local.safetensors")));

        Assert.Equal("MISS", CacheStatus(first));
        Assert.Equal("HIT", CacheStatus(second));
        Assert.Equal(1, host.RequestsFor("local.safetensors"));
    }

    [Fact]
    public async Task CacheDisabled_EveryRequestProbes()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway(("MetadataCache:Enabled", "false"));
        using var client = gateway.CreateClient(TestKeys.Default);

        using var first = await client.GetAsync(MetadataPath(host.Url("uncached.safetensors")));
        using var second = await client.GetAsync(MetadataPath(host.Url("uncached.safetensors")));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("MISS", CacheStatus(first));
        Assert.Equal("MISS", CacheStatus(second));
        Assert.Equal(2, host.RequestsFor("uncached.safetensors"));
    }

    private GatewayFactory Gateway(params (string Key, string? Value)[] settings)
    {
        // Probes are counted per HEAD; the content check (its own GET) is covered by the sniffing tests.
        var merged = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["Policy:VerifyContent"] = "false",
        };
        foreach (var (key, value) in settings)
        {
            merged[key] = value;
        }
        return new GatewayFactory(merged);
    }
}
