using System.Net;
using System.Net.Sockets;

namespace ModelGateway.IntegrationTests.Infrastructure;

/// <summary>HTTP clients whose connections come from a chosen loopback address (127.0.0.2, …), as distinct peers.</summary>
public static class LoopbackClient
{
    public static HttpClient From(IPAddress localAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(localAddress, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });
}
