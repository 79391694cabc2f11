using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Egress;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>
/// A real gateway whose egress resolver is the test's, and helpers to call remote-metadata on it. Names in
/// <c>publicNames</c> play public hosts: their connections go to loopback without the connector's address check (which
/// would refuse loopback), so a "public" redirector can be reached with private networks blocked.
/// </summary>
public sealed class SecurityGateway : IAsyncDisposable
{
    private readonly GatewayFactory _factory;
    private readonly WebApplicationFactory<Program> _withResolver;

    public SecurityGateway(Dictionary<string, string?> settings, IEgressResolver resolver, IReadOnlyCollection<string>? publicNames = null)
    {
        // Thousands of requests from one key: the per-key limit is not what these tests are about.
        settings.TryAdd("RateLimiting:PermitLimit", "1000000");
        _factory = new GatewayFactory(settings);
        _withResolver = _factory.WithWebHostBuilder(b => b.ConfigureTestServices(s =>
        {
            s.AddSingleton(resolver);
            if (publicNames is { Count: > 0 })
            {
                s.AddHttpClient(EgressClient.HttpClientName).ConfigurePrimaryHttpMessageHandler((handler, _) =>
                {
                    var sockets = (SocketsHttpHandler)handler;
                    var connect = sockets.ConnectCallback!;
                    sockets.ConnectCallback = async (context, ct) =>
                    {
                        if (!publicNames.Contains(context.DnsEndPoint.Host, StringComparer.OrdinalIgnoreCase))
                        {
                            return await connect(context, ct);
                        }
                        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), ct);
                        return new NetworkStream(socket, ownsSocket: true);
                    };
                });
            }
        }));
        Client = _withResolver.CreateClient();
        Client.DefaultRequestHeaders.Add("X-API-Key", TestKeys.Default);
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _withResolver.Services;


    /// <summary>Status and error code (null for a 200) of remote-metadata for <paramref name="url"/>.</summary>
    public async Task<(int Status, string? Code, string Body)> ProbeAsync(string url, CancellationToken cancellationToken = default)
    {
        using var response = await Client.GetAsync(GatewayRequests.MetadataPath(url), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? code = null;
        if ((int)response.StatusCode != 200 && body.StartsWith('{'))
        {
            using var json = JsonDocument.Parse(body);
            code = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        }
        return ((int)response.StatusCode, code, body);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _withResolver.DisposeAsync();
        await _factory.DisposeAsync();
    }
}
