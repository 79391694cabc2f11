using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ModelGateway.Forwarding;

/// <summary>
/// What every forwarded request and answer gets besides YARP's defaults. Every route: the caller's
/// <c>Authorization</c> (the gateway key as a Bearer token, or any credential meant for someone else) never leaves. A
/// route to a named source (<see cref="RouteSources"/>): that source's configured token instead. A route to Hugging
/// Face: no Xet — <c>application/vnd.xet-fileinfo+json</c> leaves <c>Accept</c>, and <c>X-Xet-*</c> headers and the
/// Xet entries of <c>Link</c> leave the answer — so clients fall back to plain downloads, which go through the gateway
/// (Xet storage hosts are reached by the client itself). Every route to a named source (<see cref="ForwardedExchange"/>):
/// no <c>Cookie</c>, encoded slashes sent once-encoded, the source's URLs in <c>Location</c> and <c>Link</c> rewritten to
/// the route's prefix (on an enforcing route a redirect elsewhere is refused), and the JSON properties its rules strip
/// (Hugging Face's <c>xetHash</c>) removed from the answer.
/// </summary>
internal sealed class SourceRouteTransforms(RouteSources routeSources) : ITransformProvider
{
    public const string XetFileInfo = "application/vnd.xet-fileinfo+json";

    private const string XetHeaderPrefix = "X-Xet-";

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.AddRequestTransform(transform =>
        {
            var request = transform.ProxyRequest;
            request.Headers.Authorization = null;
            // Read per request: the route's cluster and the sources' settings are those in force now.
            if (routeSources.For(transform.HttpContext.GetReverseProxyFeature().Cluster.Config) is { } source)
            {
                if (!string.IsNullOrEmpty(source.Options.Token))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", source.Options.Token);
                }
                // The caller's cookies are for the gateway's origin, never for the model host.
                request.Headers.Remove(HeaderNames.Cookie);
                if (source.IsHuggingFace)
                {
                    WithoutXetAccept(request.Headers);
                }
                var exchange = ForwardedExchange.Begin(transform, source, routeSources.RulesFor(source));
                if (exchange.Path.StrippedJsonProperties.Count > 0)
                {
                    request.Headers.AcceptEncoding.Clear(); // the answer is rewritten: it must come as plain JSON
                }
            }
            return ValueTask.CompletedTask;
        });
        context.AddResponseTransform(transform =>
        {
            var feature = transform.HttpContext.GetReverseProxyFeature();
            if (routeSources.For(feature.Cluster.Config) is not { } source || transform.ProxyResponse is null)
            {
                return ValueTask.CompletedTask;
            }
            if (source.IsHuggingFace)
            {
                WithoutXet(transform.HttpContext.Response.Headers);
            }
            transform.HttpContext.Features.Get<ForwardedExchange>()?.RewriteHeaders(transform.HttpContext.Response.Headers,
                RouteMetadata.IsEnforced(feature.Route.Config));
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>Removes the Xet file-info media type from <c>Accept</c> (and the header when nothing else is left).</summary>
    internal static void WithoutXetAccept(HttpRequestHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        // As the client wrote them: only the Xet entry goes, the rest is not reformatted.
        if (!headers.NonValidated.TryGetValues(HeaderNames.Accept, out var values))
        {
            return;
        }
        var kept = values.SelectMany(SplitList).Where(item => !IsXetMediaType(item)).ToArray();
        headers.Remove(HeaderNames.Accept);
        if (kept.Length > 0)
        {
            headers.TryAddWithoutValidation(HeaderNames.Accept, string.Join(", ", kept));
        }
    }

    /// <summary>Removes <c>X-Xet-*</c> headers and every <c>Link</c> entry whose relation names Xet.</summary>
    internal static void WithoutXet(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        foreach (var name in headers.Keys.Where(k => k.StartsWith(XetHeaderPrefix, StringComparison.OrdinalIgnoreCase)).ToArray())
        {
            headers.Remove(name);
        }
        if (headers.TryGetValue(HeaderNames.Link, out var links))
        {
            var kept = links.SelectMany(l => SplitList(l ?? string.Empty)).Where(link => !IsXetLink(link)).ToArray();
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

    private static bool IsXetMediaType(string item)
    {
        var semicolon = item.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon < 0 ? item : item[..semicolon]).Trim();
        return string.Equals(mediaType, XetFileInfo, StringComparison.OrdinalIgnoreCase);
    }

    // A Link entry: <uri>; rel="xet-auth" (RFC 8288). Its relation types, not its URI, say what it is for.
    private static bool IsXetLink(string link)
    {
        var close = link.IndexOf('>', StringComparison.Ordinal);
        var parameters = close < 0 ? link : link[(close + 1)..];
        return parameters.Contains("xet", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The comma-separated items of a header value; commas inside <c>&lt;…&gt;</c> or quotes do not separate.</summary>
    internal static IEnumerable<string> SplitList(string value)
    {
        var items = new List<string>();
        var current = new StringBuilder();
        var (inAngle, inQuote) = (false, false);
        foreach (var c in value)
        {
            switch (c)
            {
                case '<' when !inQuote:
                    inAngle = true;
                    break;
                case '>' when !inQuote:
                    inAngle = false;
                    break;
                case '"' when !inAngle:
                    inQuote = !inQuote;
                    break;
                case ',' when !inAngle && !inQuote:
                    Add(items, current);
                    continue;
            }
            current.Append(c);
        }
        Add(items, current);
        return items;
    }

    private static void Add(List<string> items, StringBuilder current)
    {
        var item = current.ToString().Trim();
        if (item.Length > 0)
        {
            items.Add(item);
        }
        current.Clear();
    }
}
