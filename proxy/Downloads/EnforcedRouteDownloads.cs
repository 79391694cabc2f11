using ModelGateway.Forwarding;
using ModelGateway.Sources;
using Yarp.ReverseProxy.Configuration;

namespace ModelGateway.Downloads;

/// <summary>
/// A step of YARP's pipeline: on a route whose metadata says <c>"EnforcePolicy": "true"</c>, a GET or HEAD for a file
/// (<see cref="IMetadataSource.TryRecognizeFile"/>: CivitAI's download endpoint, a Hugging Face <c>resolve</c> URL) is
/// served by <see cref="FileDownloader"/> exactly as <c>/api/assets/download</c> serves it — policy first, redirects
/// followed by the gateway — instead of being forwarded. Every other request (APIs, pages) is forwarded as usual.
/// </summary>
internal sealed class EnforcedRouteDownloads(RequestDelegate next, RouteSources routeSources)
{
    /// <summary>The route metadata key (<c>ReverseProxy:Routes:&lt;id&gt;:Metadata:EnforcePolicy</c>).</summary>
    public const string MetadataKey = "EnforcePolicy";

    public async Task InvokeAsync(HttpContext context, SourceSelector sources, FileDownloader downloader)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(downloader);
        var feature = context.GetReverseProxyFeature();
        if (!IsEnforced(feature.Route.Config) || !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            await next(context);
            return;
        }
        // Checked at startup (Downloads:… validator); a route that lost its source since is refused, never forwarded unchecked.
        var routeSource = routeSources.For(feature.Cluster.Config)
            ?? throw new InvalidOperationException($"Route {feature.Route.Config.RouteId} enforces policy, but its cluster is no named source's.");

        // The URL YARP would request, with every transform of the route applied, named on the source's public origin:
        // what the caller's policy and the source read, as if it had been pasted into /api/assets/download.
        using var upstream = new HttpRequestMessage();
        await feature.Route.Transformer.TransformRequestAsync(context, upstream, routeSource.PublicOrigin.AbsoluteUri, context.RequestAborted);
        var source = sources.Named(routeSource.Name);
        if (upstream.RequestUri is not { } url || source.TryRecognizeFile(url) is not { } asset)
        {
            await next(context);
            return;
        }
        await downloader.ServeAsync(context, asset, feature.Route.Config.RouteId);
    }

    /// <summary>Whether the route's metadata turns enforcement on (a value the validator accepted: <c>true</c> or <c>false</c>).</summary>
    public static bool IsEnforced(RouteConfig route)
    {
        ArgumentNullException.ThrowIfNull(route);
        return route.Metadata?.TryGetValue(MetadataKey, out var value) == true && bool.TryParse(value, out var enforced) && enforced;
    }
}
