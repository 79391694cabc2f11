using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Testing;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Hosting;

/// <summary>
/// Behind a load balancer (a client connecting from 127.0.0.2 on a real socket): <c>X-Forwarded-For</c> names the
/// client only when the peer is a configured proxy — then the failed-key budget and the audit log count the real
/// clients apart — and is ignored otherwise. No forwarding header reaches an upstream either way.
/// </summary>
public sealed class ForwardedHeadersTests : IAsyncLifetime
{
    private static readonly IPAddress LoadBalancer = IPAddress.Parse("127.0.0.2");
    private readonly FakeLogCollector _logs = new();
    private FakeHost _upstream = null!;

    public async Task InitializeAsync() =>
        _upstream = await FakeHost.StartAsync((app, _) => app.MapGet("/api/v1/models/{name}", () => "model bytes"));

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task TrustedLoadBalancer_EachForwardedClientHasItsOwnBudgetAndIsAudited()
    {
        await using var gateway = Start(("ForwardedHeaders:KnownProxies:0", "127.0.0.2"));
        using var client = LoopbackClient.From(LoadBalancer);

        var first = await StatusesAsync(client, gateway.Address, "198.51.100.7", 3);
        var second = await StatusesAsync(client, gateway.Address, "198.51.100.8", 1);
        using var keyless = await SendAsync(client, gateway.Address, "/civitai/api/v1/models/1", "198.51.100.9", apiKey: null);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], first);
        Assert.Equal([HttpStatusCode.Unauthorized], second);
        Assert.Equal(HttpStatusCode.Unauthorized, keyless.StatusCode);
        var records = _logs.GetSnapshot();
        Assert.Contains(records, r => r.Message.StartsWith("Rejected an unknown API key from 198.51.100.7;", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Message.StartsWith("Rejected an unknown API key from 198.51.100.8;", StringComparison.Ordinal));
        var audit = Assert.Single(records, r => r.Id.Name == "MissingApiKey");
        Assert.Equal("198.51.100.9", audit.StructuredState!.Single(s => s.Key == "ClientAddress").Value);
        Assert.DoesNotContain(records, r => r.Message.Contains("127.0.0.2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("127.0.0.9")]
    public async Task PeerNotATrustedProxy_XForwardedForIgnored_OneBudgetForThePeer(string? knownProxy)
    {
        await using var gateway = Start(knownProxy is null ? [] : [("ForwardedHeaders:KnownProxies:0", knownProxy)]);
        using var client = LoopbackClient.From(LoadBalancer);

        var first = await StatusesAsync(client, gateway.Address, "198.51.100.7", 2);
        var second = await StatusesAsync(client, gateway.Address, "198.51.100.8", 1);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], first);
        Assert.Equal([HttpStatusCode.TooManyRequests], second);
        Assert.Contains(_logs.GetSnapshot(), r => r.Message.StartsWith("Rejected an unknown API key from 127.0.0.2;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TrustedLoadBalancer_ForwardedRequest_UpstreamSeesNoForwardingHeader()
    {
        await using var gateway = Start(("ForwardedHeaders:KnownNetworks:0", "127.0.0.0/8"));
        using var client = LoopbackClient.From(LoadBalancer);

        using var response = await SendAsync(client, gateway.Address, "/civitai/api/v1/models/1", "198.51.100.7", TestKeys.Default);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(_upstream.Requests);
        Assert.DoesNotContain(seen.Headers.Keys, h => h.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase)
            || h.StartsWith("X-Original-", StringComparison.OrdinalIgnoreCase) || h.Equals("Forwarded", StringComparison.OrdinalIgnoreCase));
    }

    private LoopbackGateway Start(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["RateLimiting:FailedAuthPermitLimit"] = "2",
            ["ReverseProxy:Clusters:civitai:Destinations:civitai:Address"] = _upstream.BaseUri.AbsoluteUri,
            // Plain forwarding to a fake that is no CivitAI: these tests are about the client's address, not downloads.
            ["ReverseProxy:Routes:civitai:Metadata:EnforcePolicy"] = "false",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        return LoopbackGateway.Start(all, new FakeLoggerProvider(_logs));
    }

    private static async Task<List<HttpStatusCode>> StatusesAsync(HttpClient client, Uri address, string forwardedFor, int wrongKeys)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < wrongKeys; i++)
        {
            using var response = await SendAsync(client, address, "/civitai/api/v1/models/1", forwardedFor, $"wrong-{forwardedFor}-{i}");
            statuses.Add(response.StatusCode);
        }
        return statuses;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, Uri address, string path, string forwardedFor, string? apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, path));
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (apiKey is not null)
        {
            request.Headers.Add("X-API-Key", apiKey);
        }
        return client.SendAsync(request);
    }
}
