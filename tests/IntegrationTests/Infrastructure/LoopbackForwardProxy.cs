using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace ModelGateway.IntegrationTests.Infrastructure;

/// <summary>
/// A real HTTP forward proxy on 127.0.0.1 (absolute-form requests, as an egress proxy such as smokescreen takes them),
/// forwarding with YARP's <see cref="IHttpForwarder"/>. It resolves names itself, from its own table and to loopback
/// only, so nothing it forwards leaves this machine. Records every request target it was asked for.
/// </summary>
public sealed class LoopbackForwardProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _client;

    private LoopbackForwardProxy(WebApplication app, HttpMessageInvoker client)
    {
        _app = app;
        _client = client;
    }

    public int Port { get; private set; }

    /// <summary>Every absolute URL a client asked the proxy for, in order.</summary>
    public ConcurrentQueue<string> Requested { get; } = new();

    /// <param name="names">Host names the proxy resolves (to 127.0.0.1); any other name answers 502.</param>
    public static async Task<LoopbackForwardProxy> StartAsync(IReadOnlyCollection<string> names)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectCallback = async (context, ct) =>
            {
                if (!names.Contains(context.DnsEndPoint.Host, StringComparer.OrdinalIgnoreCase))
                {
                    throw new SocketException((int)SocketError.HostNotFound);
                }
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        });
        var proxy = new LoopbackForwardProxy(app, client);
        app.Run(async context =>
        {
            var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            proxy.Requested.Enqueue(target);
            if (!Uri.TryCreate(target, UriKind.Absolute, out var url))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest; // not a proxy request
                return;
            }
            var forwarder = context.RequestServices.GetRequiredService<IHttpForwarder>();
            await forwarder.SendAsync(context, url.GetLeftPart(UriPartial.Authority), client);
        });
        await app.StartAsync();
        proxy.Port = new Uri(app.Urls.First()).Port;
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TimeSpan.FromSeconds(2));
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
