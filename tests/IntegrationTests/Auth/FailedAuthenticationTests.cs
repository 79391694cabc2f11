using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Auth;

/// <summary>
/// Floods of wrong keys: each client address gets a budget of failed key checks, then 429 for its wrong keys (never its
/// valid ones), and the log stays small. The gateway listens on a real socket and the clients connect from distinct
/// loopback addresses (127.0.0.2, 127.0.0.3), so the address is the TCP peer's, as in production.
/// </summary>
public sealed class FailedAuthenticationTests : IAsyncLifetime
{
    private const int Budget = 5;
    private const string LimiterCategory = "ModelGateway.RateLimiting.FailedAuthenticationLimiter";
    private static readonly IPAddress Guesser = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Neighbour = IPAddress.Parse("127.0.0.3");
    private readonly FakeLogCollector _logs = new();
    private FakeHost _upstream = null!;
    private LoopbackGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeHost.StartAsync((app, _) => app.MapGet("/models/{name}", () => "model bytes"));
        _gateway = LoopbackGateway.Start(new Dictionary<string, string?>
        {
            ["RateLimiting:FailedAuthPermitLimit"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RateLimiting:FailedAuthWindowSeconds"] = "60",
            // The key's own limit, so its requests are told apart from anonymous ones (GatewayFactory's default).
            ["ApiKeys:0:PermitLimit"] = "50",
            ["ReverseProxy:Clusters:civitai:Destinations:civitai:Address"] = _upstream.BaseUri.AbsoluteUri,
            // The shipped civitai route enforces policy for the CivitAI source: it is the fake host too.
            ["Sources:CivitAI:BaseUrl"] = _upstream.BaseUri.AbsoluteUri.TrimEnd('/'),
            ["ReverseProxy:Routes:open:ClusterId"] = "civitai",
            ["ReverseProxy:Routes:open:AuthorizationPolicy"] = "Anonymous",
            ["ReverseProxy:Routes:open:RateLimiterPolicy"] = "per-key",
            ["ReverseProxy:Routes:open:Match:Path"] = "/open/{**rest}",
            ["ReverseProxy:Routes:open:Transforms:0:PathRemovePrefix"] = "/open",
        }, new FakeLoggerProvider(_logs));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task WrongKeyFlood_OneAddress_401UpToTheBudgetThen429WithRetryAfter()
    {
        using var guesser = LoopbackClient.From(Guesser);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? lastRefusal = null;
        for (var i = 0; i < 30; i++)
        {
            lastRefusal?.Dispose();
            lastRefusal = await SendAsync(guesser, "/civitai/models/a.safetensors", $"guess-{i}-not-a-key");
            statuses.Add(lastRefusal.StatusCode);
        }

        Assert.Equal(
            Enumerable.Repeat(HttpStatusCode.Unauthorized, Budget).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 30 - Budget)),
            statuses);
        var retryAfter = (int)lastRefusal!.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
        Assert.InRange(retryAfter, 58, 60);
        using var body = JsonDocument.Parse(await lastRefusal.Content.ReadAsStringAsync());
        Assert.Equal("RATE_LIMITED", body.RootElement.GetProperty("code").GetString());
        Assert.Equal(
            $"Too many failed API key attempts from this address: wrong keys are refused for {retryAfter} seconds (valid keys are served). Retry after {retryAfter} seconds.",
            body.RootElement.GetProperty("message").GetString());
        lastRefusal.Dispose();
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task AddressOverBudget_WrongKeysRefusedValidKeysServed_OtherAddressesAndHealthUnaffected()
    {
        using var guesser = LoopbackClient.From(Guesser);
        using var neighbour = LoopbackClient.From(Neighbour);
        for (var i = 0; i < Budget; i++)
        {
            using var failed = await SendAsync(guesser, "/civitai/models/a.safetensors", $"guess-{i}-not-a-key");
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        // Over budget, the address's wrong keys are refused; its valid ones (a colleague behind the same NAT) are served.
        using var wrongFromGuesser = await SendAsync(guesser, "/civitai/models/a.safetensors", "guess-after-budget-not-a-key");
        using var validFromGuesser = await SendAsync(guesser, "/civitai/models/a.safetensors", TestKeys.Default);
        using var validFromNeighbour = await SendAsync(neighbour, "/civitai/models/a.safetensors", TestKeys.Default);
        using var wrongFromNeighbour = await SendAsync(neighbour, "/civitai/models/a.safetensors", "neighbour-typo");
        using var healthWithKey = await SendAsync(guesser, "/healthz", "guess-health-not-a-key");
        using var openRouteWithKey = await SendAsync(guesser, "/open/models/a.safetensors", TestKeys.Default);

        Assert.Equal(HttpStatusCode.TooManyRequests, wrongFromGuesser.StatusCode);
        Assert.NotNull(wrongFromGuesser.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, validFromGuesser.StatusCode);
        Assert.Equal("model bytes", await validFromGuesser.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, validFromNeighbour.StatusCode);
        Assert.Equal("model bytes", await validFromNeighbour.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, wrongFromNeighbour.StatusCode);
        Assert.Equal(HttpStatusCode.OK, healthWithKey.StatusCode);
        Assert.Equal("\"per-key\";q=50;w=60", string.Join(", ", validFromNeighbour.Headers.GetValues("RateLimit-Policy")));
        // An open route serves it as the key's request: counted under the key's own limit.
        Assert.Equal(HttpStatusCode.OK, openRouteWithKey.StatusCode);
        Assert.Equal("\"per-key\";q=50;w=60", string.Join(", ", openRouteWithKey.Headers.GetValues("RateLimit-Policy")));
        Assert.Equal(3, _upstream.Requests.Count);
    }

    [Fact]
    public async Task StaleKeyRepeated_OneAddress_Always401AndItsValidKeysStillWork()
    {
        using var staleClient = LoopbackClient.From(Guesser);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3 * Budget; i++)
        {
            using var response = await SendAsync(staleClient, "/civitai/models/a.safetensors", "revoked-key-still-configured");
            statuses.Add(response.StatusCode);
        }
        using var valid = await SendAsync(staleClient, "/civitai/models/a.safetensors", TestKeys.Default);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 3 * Budget), statuses);
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(
            ["Rejected an unknown API key from 127.0.0.2; further failures from this address in the next 60 s are counted, not logged one by one."],
            _logs.GetSnapshot().Where(r => r.Category == LimiterCategory).Select(r => r.Message));
    }

    [Fact]
    public async Task WrongKeyFlood_Log_BoundedLinesNeverTheKey()
    {
        using var guesser = LoopbackClient.From(Guesser);
        using var neighbour = LoopbackClient.From(Neighbour);

        for (var i = 0; i < 200; i++)
        {
            using var response = await SendAsync(guesser, "/civitai/models/a.safetensors", $"guess-{i}-not-a-key");
        }
        using (await SendAsync(neighbour, "/civitai/models/a.safetensors", "guess-neighbour-not-a-key"))
        {
        }

        var records = _logs.GetSnapshot();
        var failedAuthLines = records.Where(r => r.Category == LimiterCategory).ToList();
        Assert.Equal(
            [
                (LogLevel.Information, "Rejected an unknown API key from 127.0.0.2; further failures from this address in the next 60 s are counted, not logged one by one."),
                (LogLevel.Warning, "127.0.0.2 presented 5 different wrong API keys within 60 s: its wrong keys are refused with 429 for 60 s (valid keys are served)."),
                (LogLevel.Information, "Rejected an unknown API key from 127.0.0.3; further failures from this address in the next 60 s are counted, not logged one by one."),
            ],
            failedAuthLines.Select(r => (r.Level, r.Message)));
        Assert.DoesNotContain(records, r => r.Message.Contains("guess-", StringComparison.Ordinal) || r.Message.Contains("not-a-key", StringComparison.Ordinal));
    }

    private Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_gateway.Address, path));
        request.Headers.Add("X-API-Key", apiKey);
        return client.SendAsync(request);
    }
}
