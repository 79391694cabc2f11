using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>
/// The connect step of the probe client: resolves the host itself, drops every address that is not public, and
/// connects to exactly an address it checked — so a DNS answer that changes between check and connect
/// (rebinding) cannot reach a private network. Admin-configured origins (<see cref="EgressTrust"/>) may be private.
/// </summary>
public sealed class EgressConnector(IOptionsMonitor<EgressOptions> options, EgressTrust trust, IEgressResolver resolver)
{
    /// <summary>The <see cref="SocketsHttpHandler.ConnectCallback"/>.</summary>
    public ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ConnectAsync(context.DnsEndPoint, cancellationToken);
    }

    /// <summary>Resolves, checks and connects to <paramref name="endpoint"/>.</summary>
    /// <exception cref="BlockedAddressException">Every address the host resolves to is blocked.</exception>
    /// <exception cref="SocketException">The host does not resolve, or no checked address accepts a connection.</exception>
    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var host = HostPolicy.NormalizeHost(endpoint.Host);
        var candidates = await resolver.ResolveAsync(host, cancellationToken);
        if (candidates.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        var mayBePrivate = options.CurrentValue.AllowPrivateNetworks || trust.IsTrusted(host, endpoint.Port);
        var allowed = mayBePrivate ? candidates : Array.FindAll(candidates, NetworkAddresses.IsPublic);
        if (allowed.Length == 0)
        {
            throw new BlockedAddressException(host);
        }

        SocketException? lastError = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
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
        throw lastError!;
    }
}
