using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace ModelGateway.ForwardProxy;

/// <summary>
/// The forward-proxy listener (<c>ForwardProxy:Url</c>): a Kestrel server of its own beside the gateway's, so the main
/// listener's addresses (<c>ASPNETCORE_URLS</c>) stay as they are, running <see cref="ForwardProxyConnectionHandler"/>
/// on every connection and the proxy's own request pipeline (<see cref="Pipeline"/>: <see cref="ForwardProxyRequests"/>
/// then the gateway's routing, authentication, rate limits and endpoints) on every request. The main listener's
/// endpoints other than the enforced routes cannot be reached through it.
/// </summary>
internal sealed class ForwardProxyListener(
    IOptions<ForwardProxyOptions> options,
    IServiceProvider services,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private KestrelServer? _server;

    /// <summary>The proxy's request pipeline, built by the app before it starts.</summary>
    public RequestDelegate? Pipeline { get; set; }

    /// <summary>Where the listener is bound (with the port the OS chose for port 0); null while it is not.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }
        var pipeline = Pipeline ?? throw new InvalidOperationException("The forward proxy's pipeline was not built (MapGateway).");
        // Resolved only when the proxy is on: the CA is loaded then, and nothing of it exists otherwise.
        var connections = services.GetRequiredService<ForwardProxyConnectionHandler>();
        var transport = services.GetRequiredService<IConnectionListenerFactory>();
        var contexts = services.GetRequiredService<IHttpContextFactory>();
        var kestrel = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        kestrel.Limits.MaxConcurrentConnections = settings.MaxConnections;
        kestrel.Limits.MaxConcurrentUpgradedConnections = 0;
        kestrel.Limits.KeepAliveTimeout = settings.IdleTimeout;
        kestrel.Limits.RequestHeadersTimeout = settings.HandshakeTimeout;
        kestrel.Limits.MaxResponseBufferSize = null; // downloads stream; the pipeline bounds what it holds
        kestrel.Listen(EndPoint(new Uri(settings.Url!)), listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection => connections.HandleAsync(connection, next));
        });
        _server = new KestrelServer(Options.Create(kestrel), transport, loggerFactory);
        await _server.StartAsync(new ProxyApplication(contexts, pipeline), cancellationToken);
        Address = new Uri(_server.Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken);
        }
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The address to bind for a validated <c>ForwardProxy:Url</c>: an IP literal, <c>localhost</c> (loopback) or <c>0.0.0.0</c>/<c>[::]</c> (any).</summary>
    public static IPEndPoint EndPoint(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var address = url.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(url.Host.Trim('[', ']'));
        return new IPEndPoint(address, url.Port);
    }

    /// <summary>Hands Kestrel's requests to the proxy's pipeline, with a context and request services per request.</summary>
    private sealed class ProxyApplication(IHttpContextFactory contexts, RequestDelegate pipeline) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => contexts.Create(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => pipeline(context);

        public void DisposeContext(HttpContext context, Exception? exception) => contexts.Dispose(context);
    }
}
