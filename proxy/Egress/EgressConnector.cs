using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>
/// The connect step of the probe client: resolves the host itself, drops every address that is not public, and
/// connects to exactly an address it checked — so a DNS answer that changes between check and connect
/// (rebinding) cannot reach a private network. An admin-configured origin (<see cref="EgressTrust"/>) may be private
/// only for a connection opened by a trusted hop (<see cref="EgressRequest.Trusted"/>), or when it is the egress proxy.
/// </summary>
public sealed class EgressConnector(IOptionsMonitor<EgressOptions> options, EgressTrust trust, IEgressResolver resolver)
{
    /// <summary>Set by <see cref="EgressClient"/> on a hop that may reach its trusted origin's private address.</summary>
    public static readonly HttpRequestOptionsKey<bool> TrustedHop = new("ModelGateway.Egress.TrustedHop");

    /// <summary>The <see cref="SocketsHttpHandler.ConnectCallback"/>.</summary>
    public ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.DnsEndPoint;
        // Through a proxy every connection is to the proxy, an origin the admin chose, whatever the request's host.
        var toProxy = options.CurrentValue.Proxy is { } proxy
            && string.Equals(HostPolicy.NormalizeHost(proxy.IdnHost), HostPolicy.NormalizeHost(endpoint.Host), StringComparison.Ordinal)
            && proxy.Port == endpoint.Port;
        var mayUseTrust = toProxy || (context.InitialRequestMessage.Options.TryGetValue(TrustedHop, out var trusted) && trusted);
        return ConnectAsync(endpoint, mayUseTrust, cancellationToken);
    }

    /// <summary>
    /// Resolves, checks and connects to <paramref name="endpoint"/>; its private addresses are allowed when it is a
    /// trusted origin and <paramref name="mayUseTrust"/> says the connection is for a trusted hop or the proxy.
    /// </summary>
    /// <exception cref="BlockedAddressException">Every address the host resolves to is blocked.</exception>
    /// <exception cref="SocketException">The host does not resolve, or no checked address accepts a connection.</exception>
    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool mayUseTrust, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var host = HostPolicy.NormalizeHost(endpoint.Host);
        var candidates = await resolver.ResolveAsync(host, cancellationToken);
        if (candidates.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        var mayBePrivate = options.CurrentValue.AllowPrivateNetworks || (mayUseTrust && trust.IsTrusted(host, endpoint.Port));
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
