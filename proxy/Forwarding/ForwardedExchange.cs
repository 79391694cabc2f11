using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using ModelGateway.Primitives;
using ModelGateway.Sources;
using Yarp.ReverseProxy.Transforms;

namespace ModelGateway.Forwarding;

/// <summary>
/// One request forwarded to a named source, between its request and its answer: the upstream URL (encoded as the client
/// encoded it, so <c>refs%2Fpr%2F1</c> reaches the host once-encoded), the class its source's rules give it, and the
/// gateway's own prefix for the route — what the answer's hub URLs (<c>Location</c>, <c>Link</c>) are rewritten to.
/// </summary>
internal sealed class ForwardedExchange
{
    /// <summary>A redirect of an enforcing route that leaves its source (502): the gateway never passes it on.</summary>
    public const string RedirectRefused = "REDIRECT_REFUSED";

    private ForwardedExchange(RouteSource source, ForwardedPath path, string? gatewayPrefix, Uri? destination)
    {
        Source = source;
        Path = path;
        GatewayPrefix = gatewayPrefix;
        Destination = destination;
    }

    public RouteSource Source { get; }

    public ForwardedPath Path { get; }

    /// <summary><c>scheme://host[/pathbase]/huggingface</c>: where the client reaches the route; null when it cannot be told.</summary>
    public string? GatewayPrefix { get; }

    /// <summary>The upstream URL's origin (the cluster's destination).</summary>
    public Uri? Destination { get; }

    /// <summary>
    /// Sets the upstream URL from the client's raw target when the path holds an encoded slash (YARP would encode its
    /// <c>%</c> again), classifies the request with the source's rules, and keeps the exchange on the context.
    /// </summary>
    public static ForwardedExchange Begin(RequestTransformContext transform, RouteSource source, IForwardedPathRules rules)
    {
        ArgumentNullException.ThrowIfNull(transform);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(rules);
        var context = transform.HttpContext;
        var requestPath = context.Request.Path.Value ?? string.Empty;
        var upstreamPath = transform.Path.Value ?? string.Empty;
        var removed = requestPath.EndsWith(upstreamPath, StringComparison.Ordinal) ? requestPath[..^upstreamPath.Length] : null;
        var encodedPath = removed is null ? null : RawUpstreamPath(context, removed, upstreamPath);
        var query = transform.Query.QueryString.Value ?? string.Empty;
        var destinationPrefix = transform.DestinationPrefix.TrimEnd('/');
        if (encodedPath is not null)
        {
            transform.ProxyRequest.RequestUri = new Uri(destinationPrefix + encodedPath + query);
        }
        var pathForRules = encodedPath ?? transform.Path.ToUriComponent();
        var publicUrl = new Uri(source.PublicOrigin.GetLeftPart(UriPartial.Authority) + pathForRules + query);
        var prefix = removed is null ? null : $"{context.Request.Scheme}://{context.Request.Host.ToUriComponent()}{context.Request.PathBase.ToUriComponent()}{removed}";
        Uri.TryCreate(destinationPrefix, UriKind.Absolute, out var destination);
        var exchange = new ForwardedExchange(source, rules.Classify(context.Request.Method, publicUrl), prefix, destination);
        context.Features.Set(exchange);
        return exchange;
    }

    /// <summary>
    /// The upstream path as the client encoded it, when Kestrel's decoded path holds an encoded slash (<c>%2F</c> stays
    /// encoded there, and YARP would encode its <c>%</c> once more). Null when there is none, or when the raw target does
    /// not decode to the path YARP would send (another transform changed it; dot segments were removed).
    /// </summary>
    private static string? RawUpstreamPath(HttpContext context, string removed, string upstreamPath)
    {
        if (!upstreamPath.Contains("%2F", StringComparison.OrdinalIgnoreCase)
            || context.Features.Get<IHttpRequestFeature>()?.RawTarget is not { Length: > 0 } rawTarget)
        {
            return null;
        }
        var rawPath = rawTarget.Split('?', 2)[0];
        var prefix = context.Request.PathBase.Value + removed;
        if (!rawPath.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var rawRest = rawPath[prefix.Length..];
        return Uri.UnescapeDataString(rawRest) == upstreamPath.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase)
            && rawRest.StartsWith('/') ? rawRest : null;
    }

    /// <summary>Set when the answer is a redirect away from the source on an enforcing route: the last transform refuses it.</summary>
    public bool RedirectsAway { get; private set; }

    /// <summary>
    /// The answer's <c>Location</c> and <c>Link</c> URLs on the source's own hosts (or the destination) point at the
    /// route's prefix instead, so a client following them stays on the gateway; a hub URL in <c>Link</c> that cannot be
    /// rewritten is dropped. A <c>Location</c> elsewhere on an enforcing route marks the answer
    /// (<see cref="RedirectsAway"/>): it is refused, never passed on.
    /// </summary>
    public void RewriteHeaders(IHeaderDictionary headers, bool enforced)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.Location.Count > 0)
        {
            var location = headers.Location.ToString();
            if (!Uri.TryCreate(location, UriKind.RelativeOrAbsolute, out var target))
            {
                RedirectsAway = enforced;
            }
            else if (!target.IsAbsoluteUri && !location.StartsWith('/'))
            {
                // Relative to the request's own path: it stays on the gateway.
            }
            else if (ToGateway(target) is { } rewritten)
            {
                headers.Location = rewritten;
            }
            else
            {
                RedirectsAway = enforced;
            }
        }
        if (headers.TryGetValue(HeaderNames.Link, out var links))
        {
            var kept = links.SelectMany(l => SourceRouteTransforms.SplitList(l ?? string.Empty)).Select(RewriteLink).OfType<string>().ToArray();
            if (kept.Length == 0)
            {
                headers.Remove(HeaderNames.Link);
            }
            else
            {
                headers[HeaderNames.Link] = new StringValues(string.Join(", ", kept));
            }
        }
    }

    /// <summary>Answers 502 <see cref="RedirectRefused"/> instead of the redirect (the last response transform: it writes the body).</summary>
    public static async Task RefuseRedirectAsync(ResponseTransformContext transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        transform.SuppressResponseBody = true;
        transform.HttpContext.Response.Headers.Clear();
        await WriteErrorAsync(transform.HttpContext, StatusCodes.Status502BadGateway, RedirectRefused,
            "The source redirected away from itself; the gateway does not pass that on.");
    }

    /// <summary>
    /// Streams the answer's JSON without the properties the path's rules strip (the last response transform: it writes
    /// the body); false when the path strips none (the answer is copied as is). A body that is not JSON is refused before its first byte (502), or cut off after it.
    /// </summary>
    public async Task<bool> StripJsonAsync(ResponseTransformContext transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        var context = transform.HttpContext;
        if (Path.StrippedJsonProperties.Count == 0 || transform.ProxyResponse is not { IsSuccessStatusCode: true } answer
            || HttpMethods.IsHead(context.Request.Method) || answer.StatusCode == System.Net.HttpStatusCode.NoContent)
        {
            return false;
        }
        transform.SuppressResponseBody = true;
        context.Response.Headers.ContentLength = null;
        if (answer.Content.Headers.ContentEncoding.Any(e => !string.Equals(e, "identity", StringComparison.OrdinalIgnoreCase)))
        {
            await WriteErrorAsync(context, StatusCodes.Status502BadGateway, ErrorCodes.HttpError, "The source sent an encoded answer the gateway cannot read.");
            return true;
        }
        await using var body = await answer.Content.ReadAsStreamAsync(transform.CancellationToken);
        try
        {
            await JsonPropertyStripper.CopyAsync(body, context.Response.Body, Path.StrippedJsonProperties, transform.CancellationToken);
        }
        catch (JsonException) when (!context.Response.HasStarted)
        {
            await WriteErrorAsync(context, StatusCodes.Status502BadGateway, ErrorCodes.HttpError, "The source's answer is not the JSON it should be.");
        }
        catch (JsonException)
        {
            context.Abort();
        }
        return true;
    }

    private string? RewriteLink(string link)
    {
        // <uri>; params (RFC 8288)
        var open = link.IndexOf('<', StringComparison.Ordinal);
        var close = link.IndexOf('>', StringComparison.Ordinal);
        if (open != 0 || close < 0 || !Uri.TryCreate(link[1..close], UriKind.RelativeOrAbsolute, out var target))
        {
            return link;
        }
        if (!target.IsAbsoluteUri && !target.OriginalString.StartsWith('/'))
        {
            return link; // relative to the request: it stays on the gateway
        }
        // A hub URL that cannot be rewritten is dropped: a client must never be sent around the gateway.
        return ToGateway(target) is { } rewritten ? "<" + rewritten + ">" + link[(close + 1)..] : IsOwn(target) ? null : link;
    }

    /// <summary>The gateway's URL for a URL on the source (absolute, or a path on it); null for any other.</summary>
    private string? ToGateway(Uri target)
    {
        if (GatewayPrefix is null)
        {
            return null;
        }
        if (!target.IsAbsoluteUri)
        {
            return target.OriginalString.StartsWith('/') && !target.OriginalString.StartsWith("//", StringComparison.Ordinal)
                ? GatewayPrefix + target.OriginalString
                : null;
        }
        return IsOwn(target) ? GatewayPrefix + target.PathAndQuery : null;
    }

    private bool IsOwn(Uri target) =>
        target.IsAbsoluteUri && (target.Scheme == Uri.UriSchemeHttps || target.Scheme == Uri.UriSchemeHttp)
        && (Source.Options.IsOwnHost(target)
            || (Destination is not null && string.Equals(Destination.Authority, target.Authority, StringComparison.OrdinalIgnoreCase)));

    private static Task WriteErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ErrorResponse(code, message), GatewayJson.Options, context.RequestAborted);
    }
}
