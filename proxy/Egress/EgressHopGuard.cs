using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>
/// The whole egress trust model. Before a hop is sent (<see cref="CheckHop"/>): http(s) only, no credentials in the
/// URL, no host outside the request's host lists (every hop but a trusted one), no literal private address, an allowed port. When a connection is
/// opened (<see cref="AddressesToConnectAsync"/>): the host is resolved here and only public addresses are used, so a
/// DNS answer that changes between check and connect (rebinding) cannot reach a private network.
/// <para>
/// Trusted origins are the ones the admin configured — sources' <c>BaseUrl</c>s, YARP cluster destinations, the egress
/// proxy. Such an origin may sit on a private network and use any port, but only for the request that is meant for it:
/// a named source's own <see cref="EgressRequest.Trusted"/> request to its BaseUrl (its "trusted hop"), or the
/// connection to the proxy. Any other request or redirect naming a trusted origin is refused before it is sent,
/// whether or not an egress proxy (which would resolve the name itself) is configured.
/// </para>
/// <para>
/// A host that does not resolve, one that resolves only to blocked addresses and a trusted origin named by another
/// request all fail alike (<see cref="EgressFailure.HostUnreachable"/>, one message): an API key cannot use the answers
/// to learn which internal names exist.
/// </para>
/// </summary>
internal sealed class EgressHopGuard
{
    /// <summary>Set on a hop's request message when it is a trusted hop: a new connection for it may be private.</summary>
    public static readonly HttpRequestOptionsKey<bool> TrustedHop = new("ModelGateway.Egress.TrustedHop");

    /// <summary>
    /// <c>Egress:ProxyUrl</c> as it was at startup: the connection handlers and this guard must agree on which
    /// connections go to the proxy, and it is a trusted origin only as the startup configuration named it.
    /// </summary>
    public Uri? Proxy { get; }

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
        Proxy = options.CurrentValue.Proxy;
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

    /// <summary>Checks <paramref name="hop"/> of <paramref name="request"/> before it is sent; true when it is the request's trusted hop.</summary>
    /// <exception cref="EgressException">The hop may not be sent.</exception>
    public bool CheckHop(Uri hop, EgressRequest request, bool redirected)
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
        var trustedHop = request.Trusted && IsTrustedOrigin(request.Url) && SameOrigin(hop, request.Url);
        // Every hop but a source's own request to its configured origin: first hops of URLs a source provides (previews,
        // download links) as well as redirects.
        if (!trustedHop && !HostLists.Allow(host, request.AllowedHosts, request.BlockedHosts, request.CallerPolicy))
        {
            throw new EgressException(EgressFailure.BlockedHost, $"{what} \"{host}\", a host the policy does not allow.");
        }
        if (settings.AllowPrivateNetworks || trustedHop)
        {
            return trustedHop;
        }
        if (!settings.IsLiteralAllowed(host))
        {
            throw new EgressException(EgressFailure.PrivateAddress, $"{what} a private, loopback or link-local address.");
        }
        if (!settings.IsPortAllowed(hop.Port))
        {
            throw new EgressException(EgressFailure.BadTarget, $"{what} port {hop.Port}, which is not allowed.");
        }
        if (IsTrustedOrigin(host, hop.Port))
        {
            // Not this request's origin. Its name may resolve privately (for this gateway or for an egress proxy), and a
            // pooled connection its own source opened would skip the address check: never sent.
            throw Unreachable(host);
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
        var toProxy = Proxy is { } proxy
            && string.Equals(HostPolicy.NormalizeHost(proxy.IdnHost), HostPolicy.NormalizeHost(endpoint.Host), StringComparison.Ordinal)
            && proxy.Port == endpoint.Port;
        return toProxy || (request.Options.TryGetValue(TrustedHop, out var trusted) && trusted);
    }

    /// <summary>
    /// The addresses a new connection to <paramref name="endpoint"/> may use: its public ones; all of them when
    /// private networks are allowed, or when <paramref name="trustedConnection"/> and the endpoint is a trusted origin.
    /// </summary>
    /// <exception cref="EgressException">The host does not resolve, or every address it resolves to is blocked.</exception>
    public async ValueTask<IPAddress[]> AddressesToConnectAsync(DnsEndPoint endpoint, bool trustedConnection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var host = HostPolicy.NormalizeHost(endpoint.Host);
        IPAddress[] candidates;
        try
        {
            candidates = await _resolver.ResolveAsync(host, cancellationToken);
        }
        catch (SocketException ex)
        {
            throw Unreachable(host, ex);
        }
        var mayBePrivate = _options.CurrentValue.AllowPrivateNetworks || (trustedConnection && IsTrustedOrigin(host, endpoint.Port));
        var allowed = mayBePrivate ? candidates : Array.FindAll(candidates, NetworkAddresses.IsPublic);
        return allowed.Length > 0 ? allowed : throw Unreachable(host);
    }

    /// <summary>
    /// The one failure for a host this gateway may not or cannot reach, whatever the reason: no DNS answer, only
    /// blocked addresses, an origin reserved to its own source.
    /// </summary>
    public static EgressException Unreachable(string host, Exception? innerException = null) =>
        new(EgressFailure.HostUnreachable, $"The host \"{host}\" cannot be reached from this gateway.", innerException);

    /// <summary>Same scheme, host and port.</summary>
    public static bool SameOrigin(Uri a, Uri b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port && a.Scheme == b.Scheme;
    }
}
