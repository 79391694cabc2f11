using System.Net;
using ModelGateway.IntegrationTests.Infrastructure;
using static ModelGateway.IntegrationTests.Caching.CacheHttp;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Caching;

/// <summary>Stale facts while a source fails, the throttled retry of the failing source, and source answers replacing facts.</summary>
public sealed class FailSafeTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task SourceFails_StaleServed_FailingSourceAskedOncePerFailureRetry()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway(("MetadataCache:TtlSeconds", "1"), ("MetadataCache:FailureRetrySeconds", "2"));
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("flaky.safetensors"));

        var fresh = await LookupAsync(client, path);
        host.Status = 503;
        await Task.Delay(TimeSpan.FromMilliseconds(1300)); // the TTL passes
        var failed = await LookupAsync(client, path);
        var withinRetry = await LookupAsync(client, path);
        var probesWithinRetry = host.RequestsFor("flaky.safetensors");
        await Task.Delay(TimeSpan.FromMilliseconds(2300)); // FailureRetrySeconds passes: the source is asked again, once
        var retried = await LookupAsync(client, path);
        var afterRetry = await LookupAsync(client, path);
        var probesAfterRetry = host.RequestsFor("flaky.safetensors");
        host.Status = 200;
        await Task.Delay(TimeSpan.FromMilliseconds(2300));
        var recovered = await LookupAsync(client, path);

        Assert.Equal("200 MISS", fresh);
        Assert.Equal("200 STALE STALE_METADATA", failed);
        Assert.Equal("200 STALE STALE_METADATA", withinRetry);
        Assert.Equal(2, probesWithinRetry);
        Assert.Equal("200 STALE STALE_METADATA", retried);
        Assert.Equal("200 STALE STALE_METADATA", afterRetry);
        Assert.Equal(3, probesAfterRetry);
        Assert.Equal("200 MISS", recovered);
        Assert.Equal(4, host.RequestsFor("flaky.safetensors"));
    }

    [Fact]
    public async Task StaleWarning_SaysWhenTheFactsWereAnswered()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway(("MetadataCache:TtlSeconds", "1"));
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("dated.safetensors"));

        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var first = await client.GetAsync(path);
        var after = DateTimeOffset.UtcNow.AddSeconds(1);
        host.Status = 503;
        await Task.Delay(TimeSpan.FromMilliseconds(1300));
        using var stale = await client.GetAsync(path);

        var warning = (await JsonAsync(stale)).GetProperty("validation").GetProperty("warnings")[0];
        Assert.Equal("STALE_METADATA", warning.GetProperty("code").GetString());
        var message = warning.GetProperty("message").GetString()!;
        var answeredAt = DateTimeOffset.Parse(System.Text.RegularExpressions.Regex.Match(message, @"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(answeredAt, before, after);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ExpiredFacts_SourceNowSaysNotFound_AnswerReplacesFacts(bool withRedis)
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway(("MetadataCache:TtlSeconds", "1"), ("MetadataCache:NegativeTtlSeconds", "60"),
            ("ConnectionStrings:Redis", withRedis ? redis.ConnectionString : ""));
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("removed.safetensors"));

        var facts = await LookupAsync(client, path);
        host.Status = 404;
        await Task.Delay(TimeSpan.FromMilliseconds(1300));
        var gone = await LookupAsync(client, path);
        var goneAgain = await LookupAsync(client, path);

        Assert.Equal("200 MISS", facts);
        Assert.Equal("422 MISS RESOURCE_NOT_FOUND", gone); // not the old facts served stale
        Assert.Equal("422 HIT RESOURCE_NOT_FOUND", goneAgain);
        Assert.Equal(2, host.RequestsFor("removed.safetensors"));
    }

    [Fact]
    public async Task NegativeCachingOff_SourceSaysNotFound_AskedEveryTime_FactsNotServedStale()
    {
        await using var host = await SwitchableFileHost.StartAsync();
        await using var gateway = Gateway(("MetadataCache:TtlSeconds", "1"), ("MetadataCache:NegativeTtlSeconds", "0"));
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = MetadataPath(host.Url("removed.safetensors"));

        var facts = await LookupAsync(client, path);
        host.Status = 404;
        await Task.Delay(TimeSpan.FromMilliseconds(1300));
        var gone = await LookupAsync(client, path);
        var goneAgain = await LookupAsync(client, path);

        Assert.Equal(("200 MISS", "422 MISS RESOURCE_NOT_FOUND", "422 MISS RESOURCE_NOT_FOUND"), (facts, gone, goneAgain));
        Assert.Equal(3, host.RequestsFor("removed.safetensors"));
    }

    /// <summary>"status X-Cache-Status code-or-warnings…" of one answer.</summary>
    private static async Task<string> LookupAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await JsonAsync(response);
        IEnumerable<string> codes = response.StatusCode == HttpStatusCode.OK
            ? Codes(body, "warnings")
            : [body.GetProperty("code").GetString()!];
        return string.Join(' ', [((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), CacheStatus(response) ?? "-", .. codes]);
    }

    private GatewayFactory Gateway(params (string Key, string? Value)[] settings)
    {
        var merged = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["Policy:VerifyContent"] = "false", // one request per probe
        };
        foreach (var (key, value) in settings)
        {
            merged[key] = value;
        }
        return new GatewayFactory(merged);
    }
}
