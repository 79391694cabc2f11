using System.Net;

namespace ModelGateway.Egress;

/// <summary>
/// Turns the host of an outbound connection into the addresses <see cref="EgressHopGuard"/> checks and the connector
/// connects to. Replaceable so tests can make any name (or literal) resolve where they need.
/// </summary>
/// <remarks>Public: the integration tests' gateways take a resolver in their public fixtures.</remarks>
public interface IEgressResolver
{
    /// <summary>The addresses of <paramref name="host"/> (a name or an IP literal, without brackets).</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The name does not resolve.</exception>
    ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system resolver; a literal address resolves to itself.</summary>
internal sealed class DnsEgressResolver : IEgressResolver
{
    public async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
    }
}
