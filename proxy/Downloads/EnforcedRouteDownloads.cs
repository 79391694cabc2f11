using System.Globalization;
using Microsoft.Extensions.Options;
using ModelGateway.Callers;
using ModelGateway.Forwarding;
using ModelGateway.Primitives;
using ModelGateway.Sources;
using ModelGateway.Telemetry;
using Yarp.ReverseProxy.Configuration;

namespace ModelGateway.Downloads;

/// <summary>
/// A step of YARP's pipeline that makes a route with <c>"EnforcePolicy": "true"</c> default-deny. The route's source
/// classifies each request (<see cref="IForwardedPathRules"/>): a GET or HEAD of a file it can read
/// (<see cref="IMetadataSource.TryRecognizeFile"/>) is served by <see cref="FileDownloader"/> exactly as
/// <c>/api/assets/download</c> serves it; any other file path (<c>raw</c>, <c>resolve-cache</c>, training data …, in any
/// case or slash doubling) is refused; reads on the source's allow-list are forwarded, and so are other methods on
/// paths that serve no file when the route says <c>"AllowWrites": "true"</c>; everything else is refused with a code,
/// never forwarded. A forwarded request holds one of the caller's streams (<c>Downloads:MaxConcurrentPerKey</c>) and is
/// audited with the caller.
/// </summary>
internal sealed class EnforcedRouteDownloads(RequestDelegate next, RouteSources routeSources)
{
    /// <summary>The route metadata key (<c>ReverseProxy:Routes:&lt;id&gt;:Metadata:EnforcePolicy</c>).</summary>
    public const string MetadataKey = RouteMetadata.EnforcePolicy;

    /// <summary>403: a path not on the route's allow-list.</summary>
    public const string PathNotAllowed = "PATH_NOT_ALLOWED";

    /// <summary>405: a method other than the allow-list's on a route that does not allow writes.</summary>
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";

    /// <summary>403: a path that serves file bytes in a form the download pipeline does not read.</summary>
    public const string FilePathNotServed = "FILE_PATH_NOT_SERVED";

    // Retry-After of a refused stream: when one of the caller's streams ends cannot be foreseen.
    private const int SlotRetryAfterSeconds = 5;

    public async Task InvokeAsync(HttpContext context, SourceSelector sources, FileDownloader downloader, DownloadSlots slots,
        IOptionsMonitor<DownloadOptions> downloadOptions, GatewayTelemetry telemetry, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(downloader);
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(downloadOptions);
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(time);
        var feature = context.GetReverseProxyFeature();
        var route = feature.Route.Config;
        if (!IsEnforced(route))
        {
            await next(context);
            return;
        }
        // Checked at startup (Downloads:… validator); a route that lost its source since is refused, never forwarded unchecked.
        var routeSource = routeSources.For(feature.Cluster.Config)
            ?? throw new InvalidOperationException($"Route {route.RouteId} enforces policy, but its cluster is no named source's.");

        // The URL YARP would request, with every transform of the route applied, named on the source's public origin:
        // what the caller's policy and the source read, as if it had been pasted into /api/assets/download.
        using var upstream = new HttpRequestMessage();
        await feature.Route.Transformer.TransformRequestAsync(context, upstream, routeSource.PublicOrigin.AbsoluteUri, context.RequestAborted);
        var method = context.Request.Method;
        var reads = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        var path = upstream.RequestUri is { } url ? routeSources.RulesFor(routeSource).Classify(method, url) : ForwardedPath.Other;
        var caller = context.GetCaller();
        var audit = new ForwardAudit(caller.Audit, route.RouteId, routeSource.Name, method, path.Endpoint);
        switch (path.Kind)
        {
            case ForwardedPathKind.File when reads && sources.Named(routeSource.Name).TryRecognizeFile(upstream.RequestUri!) is { } asset:
                await downloader.ServeAsync(context, asset, route.RouteId);
                return;
            case ForwardedPathKind.File:
                await RefuseAsync(context, telemetry, audit, StatusCodes.Status403Forbidden, FilePathNotServed,
                    "This path serves file bytes the gateway cannot check: download the file by its resolve or download URL.");
                return;
            case ForwardedPathKind.Refused:
                var (code, message) = path.Refusal ?? (PathNotAllowed, "This path is never forwarded.");
                await RefuseAsync(context, telemetry, audit, StatusCodes.Status403Forbidden, code, message);
                return;
            case ForwardedPathKind.Other when reads || !RouteMetadata.AllowsWrites(route):
                if (reads)
                {
                    await RefuseAsync(context, telemetry, audit, StatusCodes.Status403Forbidden, PathNotAllowed,
                        "This path is not on the route's list of read-only API paths (docs/api.md, \"Enforced routes\").");
                }
                else
                {
                    await RefuseAsync(context, telemetry, audit, StatusCodes.Status405MethodNotAllowed, MethodNotAllowed,
                        $"{method} is not forwarded on this route: it forwards reads only.");
                }
                return;
        }

        // A read on the allow-list, or a write the route allows: forwarded, holding one of the caller's streams.
        var limit = downloadOptions.CurrentValue.MaxConcurrentPerKey;
        using var slot = slots.TryTake(caller.PartitionId, limit);
        if (slot is null)
        {
            context.Response.Headers.RetryAfter = SlotRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await RefuseAsync(context, telemetry, audit, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, string.Create(
                CultureInfo.InvariantCulture, $"This key already has {limit} streams open, the most it may hold. Retry after {SlotRetryAfterSeconds} seconds."));
            return;
        }
        var startedAt = time.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            telemetry.Forwarded(audit, context.Response.StatusCode, time.GetElapsedTime(startedAt));
        }
    }

    /// <summary>Whether the route's metadata turns enforcement on (a value the validator accepted: <c>true</c> or <c>false</c>).</summary>
    public static bool IsEnforced(RouteConfig route) => RouteMetadata.IsEnforced(route);

    private static async Task RefuseAsync(HttpContext context, GatewayTelemetry telemetry, ForwardAudit audit, int status, string code, string message)
    {
        telemetry.ForwardRefused(audit, status, code);
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new ErrorResponse(code, message), GatewayJson.Options, context.RequestAborted);
    }
}
