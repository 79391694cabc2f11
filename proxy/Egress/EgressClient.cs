using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ModelGateway.Egress;

/// <summary>
/// The client every probe and download goes through: sends a request and follows its redirects, each hop checked by
/// <see cref="EgressHopGuard"/> before it is sent; a non-browser User-Agent, no decompression; transport failures
/// thrown as <see cref="EgressException"/>. A singleton: each request gets its <see cref="HttpClient"/> from the factory
/// (the named client <see cref="HttpClientName"/>), so handlers still rotate and pick up a live edit of <c>Egress</c>,
/// while a request that needs no egress (a cache hit, a forward) builds none.
/// </summary>
internal sealed partial class EgressClient(
    IHttpClientFactory httpClients,
    IOptionsMonitor<EgressOptions> options,
    EgressHopGuard guard,
    TimeProvider timeProvider,
    ILogger<EgressClient> logger)
{
    /// <summary>Never browser-like: CivitAI answers browsers with HTML redirects instead of JSON errors.</summary>
    public static readonly ProductInfoHeaderValue UserAgent = new("ModelGateway", "1.0");

    /// <summary>The named <see cref="HttpClient"/> (and primary handler) every egress request is sent with.</summary>
    public const string HttpClientName = nameof(EgressClient);

    /// <summary>
    /// Sends <paramref name="request"/>, following redirects as it says. A hop on another origin than the first never
    /// carries <c>Authorization</c> or <c>Cookie</c>, whatever <see cref="EgressRequest.Configure"/> added. Waiting for
    /// an answer's headers is bounded by <c>Egress:TimeoutSeconds</c>.
    /// </summary>
    /// <exception cref="EgressException">A hop may not be sent, or the transport failed.</exception>
    public async Task<EgressResponse> SendAsync(EgressRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = options.CurrentValue;
        var method = request.Method;
        var url = request.Url;
        var trustedHop = guard.CheckHop(url, request, redirected: false);
        var hops = new List<Uri> { url };
        var hopHeaders = new List<HttpResponseHeaders>();
        var visited = new HashSet<string>(StringComparer.Ordinal) { url.AbsoluteUri };
        var httpClient = httpClients.CreateClient(HttpClientName);

        while (true)
        {
            if (!trustedHop)
            {
                request.Trail?.Record(url);
            }
            var crossOrigin = !EgressHopGuard.SameOrigin(url, hops[0]);
            var response = await SendOnceAsync(httpClient, method, url, request.Configure, crossOrigin, trustedHop, settings, cancellationToken);
            hopHeaders.Add(response.Headers);
            var location = RedirectTarget(response, url);
            if (location is null || request.Redirects == RedirectMode.None
                || (request.Redirects == RedirectMode.SameHostOnly && !EgressHopGuard.SameOrigin(location, url)))
            {
                if (location is not null)
                {
                    request.Trail?.Record(location); // not contacted, but where the file is fetched from next
                }
                return new EgressResponse(response, hops, settings.MaxJsonBytes) { HopHeaders = hopHeaders };
            }
            response.Dispose(); // its headers stay readable: Dispose releases only the body

            if (!visited.Add(location.AbsoluteUri))
            {
                throw new EgressException(EgressFailure.RedirectLoop, "The source redirects in a loop.");
            }
            if (hops.Count > settings.MaxRedirects)
            {
                throw new EgressException(EgressFailure.TooManyRedirects, $"The source redirected more than {settings.MaxRedirects} times.");
            }
            trustedHop = guard.CheckHop(location, request, redirected: true);
            Log.FollowingRedirect(logger, (int)response.StatusCode, url.Host, location.Host);
            if (response.StatusCode == HttpStatusCode.SeeOther && method != HttpMethod.Head)
            {
                method = HttpMethod.Get;
            }
            url = location;
            hops.Add(url);
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpClient httpClient,
        HttpMethod method, Uri url, Action<HttpRequestMessage>? configure, bool crossOrigin, bool trustedHop, EgressOptions settings,
        CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(method, url);
        // Tells the connector that a new connection for this hop may go to the trusted origin's private address.
        message.Options.Set(EgressHopGuard.TrustedHop, trustedHop);
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

        using var deadline = new CancellationTokenSource(settings.Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Log.RequestFailed(logger, url.Host, EgressFailure.Timeout, HttpRequestError.Unknown);
            throw new EgressException(EgressFailure.Timeout, $"\"{url.Host}\" did not answer within {settings.Timeout.TotalSeconds:0} seconds.", ex);
        }
        catch (OperationCanceledException ex) when (ex.InnerException is TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // SocketsHttpHandler's ConnectTimeout (Egress:ConnectTimeoutSeconds) ends the connect this way.
            Log.RequestFailed(logger, url.Host, EgressFailure.Timeout, HttpRequestError.ConnectionError);
            throw new EgressException(EgressFailure.Timeout, $"Connecting to \"{url.Host}\" timed out.", ex);
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var failure = TransportFailure(ex, url);
            Log.RequestFailed(logger, url.Host, failure.Failure, ex.HttpRequestError);
            throw failure;
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
            : throw new EgressException(EgressFailure.BadTarget, "The source redirected to a malformed URL.");
    }

    private static EgressException TransportFailure(HttpRequestException ex, Uri url)
    {
        if (FindInner<EgressException>(ex) is { } refused)
        {
            return refused; // the guard found no address the connection may use
        }
        var socketError = FindInner<SocketException>(ex)?.SocketErrorCode;
        if (ex.HttpRequestError == HttpRequestError.NameResolutionError
            || socketError is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain)
        {
            return EgressHopGuard.Unreachable(url.Host, ex);
        }
        if (socketError is SocketError.ConnectionRefused)
        {
            return new EgressException(EgressFailure.ConnectionRefused, $"The host \"{url.Host}\" refused the connection.", ex);
        }
        if (socketError is SocketError.TimedOut)
        {
            return new EgressException(EgressFailure.Timeout, $"Connecting to \"{url.Host}\" timed out.", ex);
        }
        var (failure, reason) = ex.HttpRequestError switch
        {
            HttpRequestError.SecureConnectionError => (EgressFailure.Tls, "the TLS handshake failed"),
            HttpRequestError.ResponseEnded => (EgressFailure.ConnectionLost, "the connection closed before a full answer"),
            HttpRequestError.InvalidResponse => (EgressFailure.InvalidResponse, "the answer was not valid HTTP"),
            HttpRequestError.ConfigurationLimitExceeded => (EgressFailure.InvalidResponse, "the answer's headers are too large"),
            _ => (EgressFailure.ConnectionLost, "the connection failed"),
        };
        return new EgressException(failure, $"Reaching \"{url.Host}\" failed: {reason}.", ex);
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

        [LoggerMessage(2, LogLevel.Information, "Probe request to {Host} failed: {Failure} ({Error}).", EventName = "ProbeRequestFailed")]
        public static partial void RequestFailed(ILogger logger, string host, EgressFailure failure, HttpRequestError error);
    }
}
