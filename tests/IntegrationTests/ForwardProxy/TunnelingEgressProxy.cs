using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ModelGateway.IntegrationTests.Security;

namespace ModelGateway.IntegrationTests.ForwardProxy;

/// <summary>
/// An egress proxy that takes CONNECT (as smokescreen or Squid does for the gateway's own egress), on 127.0.0.1. It
/// resolves names itself from its table, to loopback only (anything else: 403), and records every authority asked for.
/// </summary>
public sealed class TunnelingEgressProxy : IAsyncDisposable
{
    private readonly RawHttpServer _server;

    public TunnelingEgressProxy(IReadOnlyCollection<string> names) => _server = new RawHttpServer(async (connection, stop) =>
    {
        var authority = connection.RequestLine.Split(' ')[1];
        Requested.Enqueue(authority);
        var colon = authority.LastIndexOf(':');
        if (!names.Contains(authority[..colon]))
        {
            await connection.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", stop);
            return;
        }
        using var upstream = new TcpClient();
        await upstream.ConnectAsync(IPAddress.Loopback, int.Parse(authority[(colon + 1)..], CultureInfo.InvariantCulture), stop);
        await connection.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n", stop);
        var server = upstream.GetStream();
        await Task.WhenAny(connection.Stream.CopyToAsync(server, stop), server.CopyToAsync(connection.Stream, stop));
    });

    public int Port => _server.Port;

    public ConcurrentQueue<string> Requested { get; } = new();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
