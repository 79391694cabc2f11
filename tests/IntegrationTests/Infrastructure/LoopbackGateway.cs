using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace ModelGateway.IntegrationTests.Infrastructure;

/// <summary>
/// The real gateway (a <see cref="GatewayFactory"/>) on a real loopback socket: streams, aborts and idle timeouts as a
/// client sees them, and TCP peers with their own addresses (see <see cref="LoopbackClient"/>).
/// </summary>
public sealed class LoopbackGateway : IAsyncDisposable
{
    private readonly GatewayFactory _factory;

    private LoopbackGateway(GatewayFactory factory, Uri address)
    {
        _factory = factory;
        Address = address;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _factory.Services;

    public static LoopbackGateway Start(IReadOnlyDictionary<string, string?> settings, ILoggerProvider? logs = null)
    {
        var factory = new GatewayFactory(settings, logs);
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new LoopbackGateway(factory, new Uri(address));
    }

    /// <summary>A client that follows no redirect (a 3xx would reach the test), presenting <paramref name="key"/>.</summary>
    public HttpClient Client(string? key, bool asBearer = false)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = Address };
        if (key is not null)
        {
            if (asBearer)
            {
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            else
            {
                client.DefaultRequestHeaders.Add("X-API-Key", key);
            }
        }
        return client;
    }

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();
}
