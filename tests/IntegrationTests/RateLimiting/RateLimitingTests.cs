using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.RateLimiting;

/// <summary>
/// The per-key limit against a real Redis shared by two gateway instances (two replicas), and its fallbacks.
/// </summary>
public sealed class RateLimitingTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private FakeHost _files = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _files = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () =>
                Results.Bytes(ModelGateway.Testing.ModelFiles.SafeTensors(), "application/octet-stream", enableRangeProcessing: true)));
    }

    public async Task DisposeAsync() => await _files.DisposeAsync();

    [Fact]
    public async Task RemoteMetadata_TwoReplicasSharingRedis_ExactlyLimitSuccessesThen429WithRetryAfter()
    {
        await using var replicaA = Gateway(("RateLimiting:PermitLimit", "4"));
        await using var replicaB = Gateway(("RateLimiting:PermitLimit", "4"));
        using var clientA = replicaA.CreateClient(TestKeys.Default);
        using var clientB = replicaB.CreateClient(TestKeys.Default);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await GetMetadataAsync(i % 2 == 0 ? clientA : clientB);
            statuses.Add(response.StatusCode);
        }
        using var refusedA = await GetMetadataAsync(clientA);
        using var refusedB = await GetMetadataAsync(clientB);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 4), statuses);
        foreach (var refused in new[] { refusedA, refusedB })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var retryAfter = RetryAfterSeconds(refused);
            Assert.InRange(retryAfter, 55, 60);
            Assert.Equal("\"per-key\";q=4;w=60", Header(refused, "RateLimit-Policy"));
            Assert.Equal($"\"per-key\";r=0;t={retryAfter}", Header(refused, "RateLimit"));
            var (code, message) = await ErrorAsync(refused);
            Assert.Equal("RATE_LIMITED", code);
            Assert.Equal($"Too many requests: the limit is 4 per 60 seconds. Retry after {retryAfter} seconds.", message);
        }
    }

    [Fact]
    public async Task RemoteMetadata_OneKeyExhausted_OtherKeyUnaffected()
    {
        await using var replicaA = Gateway(("RateLimiting:PermitLimit", "2"));
        await using var replicaB = Gateway(("RateLimiting:PermitLimit", "2"));
        using var defaultA = replicaA.CreateClient(TestKeys.Default);
        using var defaultB = replicaB.CreateClient(TestKeys.Default);
        using var strictB = replicaB.CreateClient(TestKeys.Strict);

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(defaultA));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(defaultB));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(defaultA));

        using var strict = await GetMetadataAsync(strictB);
        Assert.Equal(HttpStatusCode.OK, strict.StatusCode);
        Assert.Equal("\"per-key\";r=1;t=60", Header(strict, "RateLimit"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(strictB));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(strictB));
    }

    [Fact]
    public async Task RemoteMetadata_ApiKeyPermitLimit_OverridesTheDefault()
    {
        (string, string?)[] settings = [("RateLimiting:PermitLimit", "1"), ("ApiKeys:0:PermitLimit", "3")];
        await using var replicaA = Gateway(settings);
        await using var replicaB = Gateway(settings);
        using var defaultA = replicaA.CreateClient(TestKeys.Default);
        using var defaultB = replicaB.CreateClient(TestKeys.Default);
        using var strictA = replicaA.CreateClient(TestKeys.Strict);

        using var first = await GetMetadataAsync(defaultA);
        Assert.Equal("\"per-key\";q=3;w=60", Header(first, "RateLimit-Policy"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(defaultB));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(defaultA));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(defaultB));

        using var strict = await GetMetadataAsync(strictA);
        Assert.Equal(HttpStatusCode.OK, strict.StatusCode);
        Assert.Equal("\"per-key\";q=1;w=60", Header(strict, "RateLimit-Policy"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(strictA));
    }

    [Fact]
    public async Task RemoteMetadata_WindowPasses_PermitsFreeAgain()
    {
        (string, string?)[] settings = [("RateLimiting:PermitLimit", "2"), ("RateLimiting:WindowSeconds", "2")];
        await using var replicaA = Gateway(settings);
        await using var replicaB = Gateway(settings);
        using var clientA = replicaA.CreateClient(TestKeys.Default);
        using var clientB = replicaB.CreateClient(TestKeys.Default);

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientA));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientB));
        using var refused = await GetMetadataAsync(clientA);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = RetryAfterSeconds(refused);
        Assert.InRange(retryAfter, 1, 2);

        await Task.Delay(TimeSpan.FromSeconds(retryAfter) + TimeSpan.FromMilliseconds(200));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientB));
    }

    [Fact]
    public async Task RemoteMetadata_Success_CarriesRateLimitHeadersWithExactValues()
    {
        await using var replicaA = Gateway(("RateLimiting:PermitLimit", "3"));
        await using var replicaB = Gateway(("RateLimiting:PermitLimit", "3"));
        using var clientA = replicaA.CreateClient(TestKeys.Default);
        using var clientB = replicaB.CreateClient(TestKeys.Default);

        using var first = await GetMetadataAsync(clientA);
        using var second = await GetMetadataAsync(clientB);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("\"per-key\";q=3;w=60", Header(first, "RateLimit-Policy"));
        Assert.Equal("\"per-key\";r=2;t=60", Header(first, "RateLimit"));
        Assert.Null(first.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("\"per-key\";q=3;w=60", Header(second, "RateLimit-Policy"));
        // t counts down from the first request of the window.
        Assert.Matches("^\"per-key\";r=1;t=(59|60)$", Header(second, "RateLimit"));
    }

    [Fact]
    public async Task RemoteMetadata_NoRedis_CountsInMemoryWithTheSameHeaders()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["RateLimiting:PermitLimit"] = "2" });
        using var client = gateway.CreateClient(TestKeys.Default);

        using var first = await GetMetadataAsync(client);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
        using var refused = await GetMetadataAsync(client);

        Assert.Equal("\"per-key\";r=1;t=60", Header(first, "RateLimit"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = RetryAfterSeconds(refused);
        Assert.InRange(retryAfter, 58, 60);
        Assert.Equal($"\"per-key\";r=0;t={retryAfter}", Header(refused, "RateLimit"));
    }

    [Fact]
    public async Task RemoteMetadata_RedisStoppedFailOpen_EachReplicaKeepsItsOwnLimit()
    {
        (string, string?)[] settings = [("RateLimiting:PermitLimit", "2"), ("RateLimiting:RedisFailureMode", "FailOpen")];
        await using var replicaA = Gateway(settings);
        await using var replicaB = Gateway(settings);
        using var clientA = replicaA.CreateClient(TestKeys.Default);
        using var clientB = replicaB.CreateClient(TestKeys.Default);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientA));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientB));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(clientA));

        await redis.StopAsync();
        try
        {
            var elapsed = Stopwatch.StartNew();
            var statusesA = new[] { await StatusAsync(clientA), await StatusAsync(clientA), await StatusAsync(clientA) };
            using var lastB = await GetMetadataAsync(clientB);
            var statusesB = new[] { await StatusAsync(clientB), await StatusAsync(clientB), lastB.StatusCode };
            elapsed.Stop();

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statusesA);
            Assert.Equal(HttpStatusCode.OK, lastB.StatusCode);
            Assert.Equal("\"per-key\";r=1;t=60", Header(lastB, "RateLimit"));
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.OK], statusesB);
            // At most one request per replica waits for Redis (its 1 s timeout); the circuit breaker skips it after.
            Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(5), $"6 requests took {elapsed.Elapsed}.");
        }
        finally
        {
            await redis.RestartAsync();
        }
    }

    [Fact]
    public async Task RemoteMetadata_RedisBackAfterOutage_ReplicasShareTheCountAgain()
    {
        (string, string?)[] settings = [("RateLimiting:PermitLimit", "2"), ("RateLimiting:RedisRetrySeconds", "1")];
        await using var replicaA = Gateway(settings);
        await using var replicaB = Gateway(settings);
        using var clientA = replicaA.CreateClient(TestKeys.Default);
        using var clientB = replicaB.CreateClient(TestKeys.Default);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientA));
        await redis.StopAsync();
        try
        {
            // Each replica's own window fills up while Redis is away.
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientA));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientA));
            Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(clientA));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientB));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientB));
            Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(clientB));
        }
        finally
        {
            await redis.RestartAsync();
        }

        // The restarted Redis is empty: once a replica counts there again, its full limit is back (its own memory
        // would still refuse for a minute) and the two replicas share it.
        var waited = Stopwatch.StartNew();
        while (await StatusAsync(clientA) != HttpStatusCode.OK)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), "Replica A never counted in Redis again.");
            await Task.Delay(200);
        }
        while (await StatusAsync(clientB) != HttpStatusCode.OK)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), "Replica B never counted in Redis again.");
            await Task.Delay(200);
        }
        using var refused = await GetMetadataAsync(clientA);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(clientB));
    }

    [Fact]
    public async Task RemoteMetadata_RedisHangs_OnlyOneRequestWaitsForItsTimeout()
    {
        await using var gateway = Gateway(("RateLimiting:PermitLimit", "10"), ("RateLimiting:RedisRetrySeconds", "30"));
        using var client = gateway.CreateClient(TestKeys.Default);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));

        // Redis stays connected but answers nothing for 4 s: every command would wait for the 1 s timeout.
        // (The admin connection is closed at the end: closing sends QUIT, which the pause would hold too.)
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "4000", "ALL");
        var first = Stopwatch.StartNew();
        using var waited = await GetMetadataAsync(client);
        first.Stop();
        var rest = Stopwatch.StartNew();
        var statuses = new[] { await StatusAsync(client), await StatusAsync(client), await StatusAsync(client) };
        rest.Stop();

        Assert.Equal(HttpStatusCode.OK, waited.StatusCode);
        Assert.Equal("\"per-key\";r=9;t=60", Header(waited, "RateLimit"));
        Assert.True(first.Elapsed >= TimeSpan.FromSeconds(0.9), $"The first request took {first.Elapsed}; Redis was not waited for.");
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.True(rest.Elapsed < TimeSpan.FromSeconds(2), $"3 requests with the breaker open took {rest.Elapsed}.");
    }

    [Fact]
    public async Task RemoteMetadata_RedisStoppedFailClosed_Answers503ServiceUnavailable()
    {
        await using var gateway = Gateway(("RateLimiting:RedisFailureMode", "FailClosed"), ("RateLimiting:RedisRetrySeconds", "30"));
        using var client = gateway.CreateClient(TestKeys.Default);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));

        await redis.StopAsync();
        try
        {
            using var first = await GetMetadataAsync(client);
            using var second = await GetMetadataAsync(client);

            foreach (var response in new[] { first, second })
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.InRange(RetryAfterSeconds(response), 1, 30);
                Assert.Equal("\"per-key\";q=60;w=60", Header(response, "RateLimit-Policy"));
                Assert.False(response.Headers.Contains("RateLimit"));
                var (code, _) = await ErrorAsync(response);
                Assert.Equal("SERVICE_UNAVAILABLE", code);
            }
        }
        finally
        {
            await redis.RestartAsync();
        }
    }

    [Fact]
    public async Task Healthz_ManyRequests_NeverLimited()
    {
        await using var gateway = Gateway(("RateLimiting:PermitLimit", "1"));
        using var keyed = gateway.CreateClient(TestKeys.Default);
        using var anonymous = gateway.CreateClient(apiKey: null);

        for (var i = 0; i < 5; i++)
        {
            foreach (var client in new[] { keyed, anonymous })
            {
                using var response = await client.GetAsync("/healthz");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.False(response.Headers.Contains("RateLimit"));
            }
        }
    }

    [Fact]
    public async Task ShippedCivitaiRoute_RateLimiterPolicy_LimitsPerKeyAndKeepsUpstreamHeaders()
    {
        await using var upstream = await FakeHost.StartAsync((app, _) =>
            app.MapGet("/api/v1/models/{id}", (HttpContext c) =>
            {
                c.Response.Headers["RateLimit"] = "\"upstream\";r=99;t=5";
                return "model bytes";
            }));
        // The shipped "civitai" route, its cluster (and so the CivitAI source it enforces policy for) pointed at the fake host.
        (string, string?)[] settings =
        [
            ("RateLimiting:PermitLimit", "2"),
            ("ReverseProxy:Clusters:civitai:Destinations:civitai:Address", upstream.BaseUri.AbsoluteUri),
            ("Sources:CivitAI:BaseUrl", upstream.BaseUri.AbsoluteUri.TrimEnd('/')),
        ];
        await using var replicaA = Gateway(settings);
        await using var replicaB = Gateway(settings);
        using var clientA = replicaA.CreateClient(TestKeys.Default);
        using var clientB = replicaB.CreateClient(TestKeys.Default);

        using var first = await clientA.GetAsync("/civitai/api/v1/models/100");
        using var second = await clientB.GetAsync("/civitai/api/v1/models/100");
        using var refused = await clientA.GetAsync("/civitai/api/v1/models/100");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("model bytes", await first.Content.ReadAsStringAsync());
        Assert.Equal(["\"upstream\";r=99;t=5", "\"per-key\";r=1;t=60"], first.Headers.GetValues("RateLimit"));
        Assert.Equal("\"per-key\";q=2;w=60", Header(first, "RateLimit-Policy"));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("RATE_LIMITED", (await ErrorAsync(refused)).Code);
        Assert.Equal(2, upstream.RequestsTo("/api/v1/models/").Count());
    }

    [Fact]
    public async Task ForwardedRoute_AnonymousRequests_CountedPerClientAddressApartFromKeys()
    {
        await using var upstream = await FakeHost.StartAsync((app, _) => app.MapGet("/models/{name}", () => "model bytes"));
        await using var gateway = Gateway(AnonymousRoute(upstream));
        using var anonymous = gateway.CreateClient(apiKey: null);
        using var keyed = gateway.CreateClient(TestKeys.Default);

        using var first = await anonymous.GetAsync("/fake/models/a.safetensors");
        using var second = await anonymous.GetAsync("/fake/models/a.safetensors");
        using var refused = await anonymous.GetAsync("/fake/models/a.safetensors");
        using var withKey = await keyed.GetAsync("/fake/models/a.safetensors");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.Equal("\"per-key\";r=1;t=60", Header(withKey, "RateLimit"));
    }

    private GatewayFactory Gateway(params (string Key, string? Value)[] settings)
    {
        // GatewayFactory raises the limit for other tests; these start from the shipped default (60 per 60 s).
        var merged = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["RateLimiting:PermitLimit"] = "60",
        };
        foreach (var (key, value) in settings)
        {
            merged[key] = value;
        }
        return new GatewayFactory(merged);
    }

    // A route without AuthorizationPolicy: requests need no key.
    private static (string, string?)[] AnonymousRoute(FakeHost upstream) =>
    [
        ("RateLimiting:PermitLimit", "2"),
        ("ReverseProxy:Routes:fake:ClusterId", "fake"),
        ("ReverseProxy:Routes:fake:AuthorizationPolicy", "Anonymous"),
        ("ReverseProxy:Routes:fake:RateLimiterPolicy", "per-key"),
        ("ReverseProxy:Routes:fake:Match:Path", "/fake/{**rest}"),
        ("ReverseProxy:Routes:fake:Transforms:0:PathRemovePrefix", "/fake"),
        ("ReverseProxy:Clusters:fake:Destinations:upstream:Address", upstream.BaseUri.AbsoluteUri),
    ];

    private Task<HttpResponseMessage> GetMetadataAsync(HttpClient client) =>
        client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(_files.Url("files/model.safetensors").AbsoluteUri));

    private async Task<HttpStatusCode> StatusAsync(HttpClient client)
    {
        using var response = await GetMetadataAsync(client);
        return response.StatusCode;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    private static int RetryAfterSeconds(HttpResponseMessage response) =>
        (int)(response.Headers.RetryAfter?.Delta ?? throw new InvalidOperationException("No Retry-After.")).TotalSeconds;
}
