using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using ModelGateway.Metadata;

namespace ModelGateway.Egress;

/// <summary>
/// The typed HttpClient every probe goes through: redirects handled here (each hop re-checked by
/// <see cref="EgressConnector"/>), a non-browser User-Agent, no decompression, failures mapped to DESIGN.md codes.
/// </summary>
public sealed partial class EgressClient(HttpClient httpClient, IOptionsMonitor<EgressOptions> options, ILogger<EgressClient> logger)
{
    /// <summary>Never browser-like: CivitAI answers browsers with HTML redirects instead of JSON errors.</summary>
    public static readonly ProductInfoHeaderValue UserAgent = new("ModelGateway", "1.0");

    public async Task<EgressResponse> SendAsync(EgressRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var maxRedirects = options.CurrentValue.MaxRedirects;
        var method = request.Method;
        var url = request.Url;
        var hops = new List<Uri> { url };
        var visited = new HashSet<string>(StringComparer.Ordinal) { url.AbsoluteUri };

        while (true)
        {
            var response = await SendOnceAsync(method, url, request.Configure, cancellationToken);
            var location = RedirectTarget(response, url);
            if (location is null || request.Redirects == RedirectMode.None
                || (request.Redirects == RedirectMode.SameHostOnly && !SameOrigin(location, url)))
            {
                return new EgressResponse(response, hops);
            }
            response.Dispose();

            if (location.Scheme != Uri.UriSchemeHttp && location.Scheme != Uri.UriSchemeHttps)
            {
                throw GatewayException.SourceFailed(ErrorCodes.HttpError, $"The source redirected to an unsupported scheme \"{location.Scheme}\".");
            }
            if (!visited.Add(location.AbsoluteUri))
            {
                throw GatewayException.SourceFailed(ErrorCodes.HttpError, "The source redirects in a loop.");
            }
            if (hops.Count > maxRedirects)
            {
                throw GatewayException.SourceFailed(ErrorCodes.HttpError, $"The source redirected more than {maxRedirects} times.");
            }
            Log.FollowingRedirect(logger, (int)response.StatusCode, url.Host, location.Host);
            if (response.StatusCode == HttpStatusCode.SeeOther && method != HttpMethod.Head)
            {
                method = HttpMethod.Get;
            }
            url = location;
            hops.Add(url);
        }
    }

    /// <summary>Reads a body up to <paramref name="maxBytes"/>; a longer body fails with <c>METADATA_FETCH_FAILED</c>.</summary>
    public static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Content.Headers.ContentLength > maxBytes)
        {
            throw GatewayException.SourceFailed(ErrorCodes.MetadataFetchFailed, $"The source's answer is larger than {maxBytes} bytes.");
        }
        var buffer = await ReadHeadAsync(response, maxBytes + 1, cancellationToken);
        if (buffer.Length > maxBytes)
        {
            throw GatewayException.SourceFailed(ErrorCodes.MetadataFetchFailed, $"The source's answer is larger than {maxBytes} bytes.");
        }
        return buffer;
    }

    /// <summary>Reads at most <paramref name="maxBytes"/> of a body and stops there, whatever the server sends after.</summary>
    public static async Task<byte[]> ReadHeadAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[Math.Min(maxBytes, 81_920)];
        var total = 0;
        while (total < maxBytes)
        {
            if (total == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(maxBytes, (long)buffer.Length * 2));
            }
            var read = await stream.ReadAsync(buffer.AsMemory(total, buffer.Length - total), cancellationToken);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total == buffer.Length ? buffer : buffer[..total];
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpMethod method, Uri url, Action<HttpRequestMessage>? configure, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(method, url);
        message.Headers.UserAgent.Add(UserAgent);
        message.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
        configure?.Invoke(message);
        try
        {
            return await httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var failure = MapFailure(ex, url);
            Log.RequestFailed(logger, url.Host, failure.Code, ex.HttpRequestError);
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
        return location.IsAbsoluteUri ? location : new Uri(current, location);
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
