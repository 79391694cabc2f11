using System.Net;
using System.Net.Sockets;

namespace ModelGateway.Egress;

/// <summary>
/// The connect step of the egress client (<see cref="SocketsHttpHandler.ConnectCallback"/>): connects to exactly an
/// address <see cref="EgressHopGuard"/> allowed, never to what the system resolver might answer a moment later.
/// </summary>
internal sealed class EgressConnector(EgressHopGuard guard)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.DnsEndPoint;
        var addresses = await guard.AddressesToConnectAsync(endpoint, guard.IsTrustedConnection(endpoint, context.InitialRequestMessage), cancellationToken);
        return await ConnectAsync(addresses, endpoint.Port, cancellationToken);
    }

    /// <summary>Connects to the first of <paramref name="addresses"/> that accepts.</summary>
    /// <exception cref="SocketException">No address accepts a connection.</exception>
    public static async ValueTask<Stream> ConnectAsync(IReadOnlyList<IPAddress> addresses, int port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        SocketException? lastError = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                lastError = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw lastError ?? new SocketException((int)SocketError.HostNotFound);
    }
}
