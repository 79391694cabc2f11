using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>
/// The whole egress trust model. Before a hop is sent (<see cref="CheckHopAsync"/>): http(s) only, no credentials in
/// the URL, no host the request blocks on a redirect, no literal private address, an allowed port. When a connection
/// is opened (<see cref="AddressesToConnectAsync"/>): the host is resolved here and only public addresses are used, so
/// a DNS answer that changes between check and connect (rebinding) cannot reach a private network.
/// <para>
/// Trusted origins are the ones the admin configured — sources' <c>BaseUrl</c>s, YARP cluster destinations, the egress
/// proxy. Such an origin may sit on a private network and use any port, but only for the request that is meant for it:
/// a named source's own <see cref="EgressRequest.Trusted"/> request to its BaseUrl (its "trusted hop"), or the
/// connection to the proxy.
/// </para>
/// </summary>
public sealed class EgressHopGuard
{
    /// <summary>Set on a hop's request message when it is a trusted hop: a new connection for it may be private.</summary>
    public static readonly HttpRequestOptionsKey<bool> TrustedHop = new("ModelGateway.Egress.TrustedHop");

    private readonly IOptionsMonitor<EgressOptions> _options;
    private readonly IEgressResolver _resolver;
    private readonly HashSet<(string Host, int Port)> _trustedOrigins = [];

    public EgressHopGuard(IOptionsMonitor<EgressOptions> options, IEnumerable<Uri> trustedOrigins, IEgressResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trustedOrigins);
        ArgumentNullException.ThrowIfNull(resolver);
        _options = options;
        _resolver = resolver;
        foreach (var origin in trustedOrigins)
        {
            _trustedOrigins.Add((HostPolicy.NormalizeHost(origin.IdnHost), origin.Port));
        }
    }

    /// <summary>Whether host:port is a configured origin; <paramref name="normalizedHost"/> as <see cref="HostPolicy.NormalizeHost"/> gives it.</summary>
    public bool IsTrustedOrigin(string normalizedHost, int port) => _trustedOrigins.Contains((normalizedHost, port));

    /// <summary>Whether <paramref name="url"/>'s host and port are a configured origin.</summary>
    public bool IsTrustedOrigin(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return IsTrustedOrigin(HostPolicy.NormalizeHost(url.IdnHost), url.Port);
    }

    /// <summary>
    /// Checks <paramref name="hop"/> of <paramref name="request"/> before it is sent and tells whether it is the request's
    /// trusted hop. A pooled connection is reused without <see cref="AddressesToConnectAsync"/>, so a hop on a trusted
    /// origin that is not the request's own is resolved and checked here: a connection a trusted request opened may
    /// lead to a private address.
    /// </summary>
    /// <exception cref="EgressException">The hop may not be sent.</exception>
    public async Task<bool> CheckHopAsync(Uri hop, EgressRequest request, bool redirected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hop);
        ArgumentNullException.ThrowIfNull(request);
        var settings = _options.CurrentValue;
        var what = redirected ? "The source redirected to" : "The source pointed at";
        if (!hop.IsAbsoluteUri || (hop.Scheme != Uri.UriSchemeHttp && hop.Scheme != Uri.UriSchemeHttps))
        {
            throw new EgressException(EgressFailure.BadTarget, $"{what} an unsupported scheme \"{(hop.IsAbsoluteUri ? hop.Scheme : "relative")}\".");
        }
        if (hop.UserInfo.Length > 0)
        {
            throw new EgressException(EgressFailure.BadTarget, $"{what} a URL with a user name or password.");
        }
        string host;
        try
        {
            host = HostPolicy.NormalizeHost(hop.IdnHost);
        }
        catch (UriFormatException ex)
        {
            throw new EgressException(EgressFailure.BadTarget, $"{what} a malformed host.", ex);
        }
        if (host.Length == 0)
        {
            throw new EgressException(EgressFailure.BadTarget, $"{what} a URL without a host.");
        }
        // The pasted URL was checked against the caller's policy before any request; a redirect must not lead around
        // the hosts the request blocks.
        if (redirected && request.BlockedHosts.Any(pattern => HostPolicy.Matches(pattern, host)))
        {
            throw new EgressException(EgressFailure.BlockedHost, $"{what} \"{host}\", a host the policy blocks.");
        }
        var trustedHop = request.Trusted && IsTrustedOrigin(request.Url) && SameOrigin(hop, request.Url);
        if (settings.AllowPrivateNetworks || trustedHop)
        {
            return trustedHop;
        }
        if (NetworkAddresses.IsPrivateLiteral(host))
        {
            throw new EgressException(EgressFailure.PrivateAddress, $"{what} a private, loopback or link-local address.");
        }
        if (!settings.IsPortAllowed(hop.Port))
        {
            throw new EgressException(EgressFailure.BadTarget, $"{what} port {hop.Port}, which is not allowed.");
        }
        if (IsTrustedOrigin(host, hop.Port) && settings.Proxy is null)
        {
            await EnsurePublicAsync(host, what, cancellationToken);
        }
        return false;
    }

    /// <summary>
    /// Whether a new connection may lead to a trusted origin's private address: it is for a trusted hop
    /// (<see cref="TrustedHop"/>), or it is the connection to the egress proxy (every connection is, when one is set).
    /// </summary>
    public bool IsTrustedConnection(DnsEndPoint endpoint, HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(request);
        var toProxy = _options.CurrentValue.Proxy is { } proxy
            && string.Equals(HostPolicy.NormalizeHost(proxy.IdnHost), HostPolicy.NormalizeHost(endpoint.Host), StringComparison.Ordinal)
            && proxy.Port == endpoint.Port;
        return toProxy || (request.Options.TryGetValue(TrustedHop, out var trusted) && trusted);
    }

    /// <summary>
    /// The addresses a new connection to <paramref name="endpoint"/> may use: its public ones; all of them when
    /// private networks are allowed, or when <paramref name="trustedConnection"/> and the endpoint is a trusted origin.
    /// </summary>
    /// <exception cref="EgressException">Every address the host resolves to is blocked.</exception>
    /// <exception cref="SocketException">The host does not resolve.</exception>
    public async ValueTask<IPAddress[]> AddressesToConnectAsync(DnsEndPoint endpoint, bool trustedConnection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var host = HostPolicy.NormalizeHost(endpoint.Host);
        var candidates = await _resolver.ResolveAsync(host, cancellationToken);
        if (candidates.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        var mayBePrivate = _options.CurrentValue.AllowPrivateNetworks || (trustedConnection && IsTrustedOrigin(host, endpoint.Port));
        var allowed = mayBePrivate ? candidates : Array.FindAll(candidates, NetworkAddresses.IsPublic);
        return allowed.Length > 0
            ? allowed
            : throw new EgressException(EgressFailure.HostUnreachable,
                $"The host \"{host}\" resolves only to private, loopback or otherwise blocked addresses.");
    }

    /// <summary>Same scheme, host and port.</summary>
    public static bool SameOrigin(Uri a, Uri b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port && a.Scheme == b.Scheme;
    }

    private async Task EnsurePublicAsync(string host, string what, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await _resolver.ResolveAsync(host, cancellationToken);
        }
        catch (SocketException ex)
        {
            throw new EgressException(EgressFailure.HostUnreachable, $"The host \"{host}\" could not be resolved.", ex);
        }
        if (addresses.Length == 0 || !Array.TrueForAll(addresses, NetworkAddresses.IsPublic))
        {
            throw new EgressException(EgressFailure.HostUnreachable,
                $"{what} \"{host}\", which resolves to private, loopback or otherwise blocked addresses.");
        }
    }
}
