using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using ModelGateway.Primitives;
using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>
/// The typed HttpClient every probe goes through: redirects handled here (each hop checked here before it is sent,
/// its addresses by <see cref="EgressConnector"/> when it connects), a non-browser User-Agent, no decompression,
/// bounded reads, failures mapped to DESIGN.md codes.
/// </summary>
public sealed partial class EgressClient(
    HttpClient httpClient,
    IOptionsMonitor<EgressOptions> options,
    ILogger<EgressClient> logger,
    EgressTrust? trust = null,
    TimeProvider? timeProvider = null,
    IEgressResolver? resolver = null)
{
    /// <summary>Never browser-like: CivitAI answers browsers with HTML redirects instead of JSON errors.</summary>
    public static readonly ProductInfoHeaderValue UserAgent = new("ModelGateway", "1.0");

    private readonly EgressTrust _trust = trust ?? new EgressTrust([]);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly IEgressResolver _resolver = resolver ?? new DnsEgressResolver();

    /// <summary>
    /// Sends <paramref name="request"/>, following redirects as it says. Every hop is checked before it is sent
    /// (http/https only, no user info, no private literal address, an allowed port, and a name on an admin-trusted
    /// origin must resolve to public addresses only — unless the request is <see cref="EgressRequest.Trusted"/> and the
    /// hop is on its own first, trusted origin); a hop on another origin than the first never carries <c>Authorization</c> or <c>Cookie</c>, whatever
    /// <see cref="EgressRequest.Configure"/> added. Waiting for an answer's headers is bounded by
    /// <c>Egress:TimeoutSeconds</c> (<c>NETWORK_TIMEOUT</c>).
    /// </summary>
    public async Task<EgressResponse> SendAsync(EgressRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = options.CurrentValue;
        var method = request.Method;
        var url = request.Url;
        // The one origin this request may reach on a private address or any port: its own, when the admin trusts it.
        var trustedOrigin = request.Trusted && url.IsAbsoluteUri && _trust.IsTrusted(url) ? url : null;
        await CheckHopAsync(url, trustedOrigin, request.BlockedHosts, settings, redirected: false, cancellationToken);
        var hops = new List<Uri> { url };
        var visited = new HashSet<string>(StringComparer.Ordinal) { url.AbsoluteUri };

        while (true)
        {
            var crossOrigin = !SameOrigin(url, hops[0]);
            var trustedHop = trustedOrigin is not null && SameOrigin(url, trustedOrigin);
            var response = await SendOnceAsync(method, url, request.Configure, crossOrigin, trustedHop, settings, cancellationToken);
            var location = RedirectTarget(response, url);
            if (location is null || request.Redirects == RedirectMode.None
                || (request.Redirects == RedirectMode.SameHostOnly && !SameOrigin(location, url)))
            {
                return new EgressResponse(response, hops);
            }
            response.Dispose();

            if (!visited.Add(location.AbsoluteUri))
            {
                throw GatewayException.SourceFailed(ErrorCodes.HttpError, "The source redirects in a loop.");
            }
            if (hops.Count > settings.MaxRedirects)
            {
                throw GatewayException.SourceFailed(ErrorCodes.HttpError, $"The source redirected more than {settings.MaxRedirects} times.");
            }
            await CheckHopAsync(location, trustedOrigin, request.BlockedHosts, settings, redirected: true, cancellationToken);
            Log.FollowingRedirect(logger, (int)response.StatusCode, url.Host, location.Host);
            if (response.StatusCode == HttpStatusCode.SeeOther && method != HttpMethod.Head)
            {
                method = HttpMethod.Get;
            }
            url = location;
            hops.Add(url);
        }
    }

    /// <summary>
    /// Reads a JSON body's bytes, at most <c>Egress:MaxJsonBytes</c> (else <c>METADATA_FETCH_FAILED</c>), for a source
    /// that deserializes them itself.
    /// </summary>
    public Task<byte[]> ReadJsonBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        return EgressBody.ReadBoundedAsync(response, options.CurrentValue.MaxJsonBytes, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(
        HttpMethod method, Uri url, Action<HttpRequestMessage>? configure, bool crossOrigin, bool trustedHop, EgressOptions settings,
        CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(method, url);
        // Tells the connector that a new connection for this hop may go to the trusted origin's private address.
        message.Options.Set(EgressConnector.TrustedHop, trustedHop);
        message.Headers.UserAgent.Add(UserAgent);
        message.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
        configure?.Invoke(message);
        if (message.RequestUri != url)
        {
            // The hop checks ran on url; a callback must not send the request anywhere else.
            throw new InvalidOperationException("EgressRequest.Configure must not change the request's URL.");
        }
        // HTTP/3 (QUIC) would not go through the connect callback and its address checks: never ask for it.
        if (message.Version.Major >= 3)
        {
            message.Version = HttpVersion.Version20;
        }
        message.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        if (crossOrigin)
        {
            // A redirect to another origin never carries the first origin's credentials, whatever the callback did.
            message.Headers.Authorization = null;
            message.Headers.ProxyAuthorization = null;
            message.Headers.Remove("Cookie");
        }

        using var deadline = new CancellationTokenSource(settings.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Log.RequestFailed(logger, url.Host, ErrorCodes.NetworkTimeout, HttpRequestError.Unknown);
            throw GatewayException.SourceFailed(ErrorCodes.NetworkTimeout,
                $"\"{url.Host}\" did not answer within {settings.Timeout.TotalSeconds:0} seconds.", ex);
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var failure = MapFailure(ex, url);
            Log.RequestFailed(logger, url.Host, failure.Code, ex.HttpRequestError);
            throw failure;
        }
    }

    /// <summary>
    /// What a hop must be before it is sent; the connector checks the resolved addresses of a new connection after.
    /// A pooled connection is reused without the connector, so a hop on a trusted origin that is not the trusted
    /// request's own is resolved and checked here: a connection a trusted request opened may lead to a private address.
    /// </summary>
    private async Task CheckHopAsync(Uri url, Uri? trustedOrigin, IReadOnlyList<string> blockedHosts, EgressOptions settings, bool redirected,
        CancellationToken cancellationToken)
    {
        var what = redirected ? "The source redirected to" : "The source pointed at";
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw GatewayException.SourceFailed(ErrorCodes.HttpError, $"{what} an unsupported scheme \"{(url.IsAbsoluteUri ? url.Scheme : "relative")}\".");
        }
        if (url.UserInfo.Length > 0)
        {
            throw GatewayException.SourceFailed(ErrorCodes.HttpError, $"{what} a URL with a user name or password.");
        }
        string host;
        try
        {
            host = HostPolicy.NormalizeHost(url.IdnHost);
        }
        catch (UriFormatException ex)
        {
            throw GatewayException.SourceFailed(ErrorCodes.HttpError, $"{what} a malformed host.", ex);
        }
        if (host.Length == 0)
        {
            throw GatewayException.SourceFailed(ErrorCodes.HttpError, $"{what} a URL without a host.");
        }
        // The pasted URL was checked against the caller's policy before any request; a redirect must not lead around
        // the hosts the request blocks.
        if (redirected && blockedHosts.Any(pattern => HostPolicy.Matches(pattern, host)))
        {
            throw GatewayException.SourceFailed(ErrorCodes.HttpError, $"{what} \"{host}\", a host the policy blocks.");
        }
        if (settings.AllowPrivateNetworks || (trustedOrigin is not null && SameOrigin(url, trustedOrigin)))
        {
            return;
        }
        if (NetworkAddresses.IsPrivateLiteral(host))
        {
            throw GatewayException.SourceFailed(ErrorCodes.InvalidHost, $"{what} a private, loopback or link-local address.");
        }
        if (!settings.IsPortAllowed(url.Port))
        {
            throw GatewayException.SourceFailed(ErrorCodes.HttpError, $"{what} port {url.Port}, which is not allowed.");
        }
        if (_trust.IsTrusted(host, url.Port) && settings.Proxy is null)
        {
            await EnsurePublicAsync(host, what, cancellationToken);
        }
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
            throw GatewayException.SourceFailed(ErrorCodes.InvalidHost, $"The host \"{host}\" could not be resolved.", ex);
        }
        if (addresses.Length == 0 || !Array.TrueForAll(addresses, NetworkAddresses.IsPublic))
        {
            throw GatewayException.SourceFailed(ErrorCodes.InvalidHost,
                $"{what} \"{host}\", which resolves to private, loopback or otherwise blocked addresses.");
        }
    }

    private static Uri? RedirectTarget(HttpResponseMessage response, Uri current)
    {
        var status = (int)response.StatusCode;
        if (status is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is not { } location)
        {
            return null;
        }
        if (location.IsAbsoluteUri)
        {
            return location;
        }
        return Uri.TryCreate(current, location, out var target)
            ? target
            : throw GatewayException.SourceFailed(ErrorCodes.HttpError, "The source redirected to a malformed URL.");
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port && a.Scheme == b.Scheme;

    private static GatewayException MapFailure(HttpRequestException ex, Uri url)
    {
        if (FindInner<BlockedAddressException>(ex) is { } blocked)
        {
            return GatewayException.SourceFailed(ErrorCodes.InvalidHost, blocked.Message, ex);
        }
        if (ex.HttpRequestError == HttpRequestError.NameResolutionError
            || FindInner<SocketException>(ex)?.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain)
        {
            return GatewayException.SourceFailed(ErrorCodes.InvalidHost, $"The host \"{url.Host}\" could not be resolved.", ex);
        }
        if (FindInner<SocketException>(ex)?.SocketErrorCode is SocketError.ConnectionRefused)
        {
            return GatewayException.SourceFailed(ErrorCodes.ConnectionRefused, $"The host \"{url.Host}\" refused the connection.", ex);
        }
        if (FindInner<SocketException>(ex)?.SocketErrorCode is SocketError.TimedOut)
        {
            return GatewayException.SourceFailed(ErrorCodes.NetworkTimeout, $"Connecting to \"{url.Host}\" timed out.", ex);
        }
        var reason = ex.HttpRequestError switch
        {
            HttpRequestError.SecureConnectionError => "the TLS handshake failed",
            HttpRequestError.ResponseEnded => "the connection closed before a full answer",
            HttpRequestError.InvalidResponse => "the answer was not valid HTTP",
            HttpRequestError.ConfigurationLimitExceeded => "the answer's headers are too large",
            _ => "the connection failed",
        };
        return GatewayException.SourceFailed(ErrorCodes.NetworkError, $"Reaching \"{url.Host}\" failed: {reason}.", ex);
    }

    private static T? FindInner<T>(Exception ex) where T : Exception
    {
        for (Exception? current = ex; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }
        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Following a {Status} redirect from {FromHost} to {ToHost}.", EventName = "FollowingRedirect")]
        public static partial void FollowingRedirect(ILogger logger, int status, string fromHost, string toHost);

        [LoggerMessage(2, LogLevel.Information, "Probe request to {Host} failed with {Code} ({Error}).", EventName = "ProbeRequestFailed")]
        public static partial void RequestFailed(ILogger logger, string host, string code, HttpRequestError error);
    }
}
