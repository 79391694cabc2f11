using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using ModelGateway.Assets;
using ModelGateway.Callers;
using ModelGateway.Egress;
using ModelGateway.Library;
using ModelGateway.Primitives;
using ModelGateway.Sources;
using ModelGateway.Telemetry;

namespace ModelGateway.Downloads;

/// <summary>
/// Serves a file's bytes under the caller's policy, for <c>/api/assets/download</c> and for the downloads of forwarding
/// routes that enforce policy: the endpoint-and-audit shell around <see cref="RangePlanner"/> and
/// <see cref="StreamCopier"/>. The remote-metadata pipeline decides first (<see cref="AssetPipeline"/>):
/// a verdict error is a 403 and the file host is never asked for the file. Then the file is fetched through the egress
/// client (every redirect hop checked, source credentials on the source's own hosts only, nothing of a presigned URL shown
/// or logged) and copied: its head is checked against the inspected format before any byte reaches the client (422
/// <c>CONTENT_CHANGED</c>); a whole file whose source published a SHA-256 is hashed on the way, and its last bytes are held
/// back until the hash and the length are right — a mismatch, a body longer or shorter than inspected, a stall longer than
/// <c>Downloads:IdleTimeoutSeconds</c> or a failing host aborts the response, so the client sees a broken transfer, never a
/// clean end. A client that leaves cancels the upstream request at once.
/// </summary>
internal sealed partial class FileDownloader(
    AssetPipeline pipeline,
    EgressClient egress,
    StreamCopier copier,
    DownloadSlots slots,
    IOptionsMonitor<DownloadOptions> options,
    TimeProvider time,
    GatewayTelemetry telemetry,
    ModelLibrary library)
{
    // Retry-After of a refused stream: when one of the caller's streams ends cannot be foreseen.
    private const int SlotRetryAfterSeconds = 5;

    /// <summary>
    /// GET or HEAD of the file the <c>url</c> parameter <paramref name="rawUrl"/> names (<c>/api/assets/download</c>): a
    /// URL that does not parse is audited as a refused download too.
    /// </summary>
    public async Task ServeAsync(HttpContext context, string? rawUrl, string route)
    {
        ArgumentNullException.ThrowIfNull(context);
        Uri url;
        try
        {
            url = pipeline.ParseUrl(rawUrl);
        }
        catch (GatewayException ex)
        {
            telemetry.DownloadRefused(new DownloadAudit(context.GetCaller().Audit, route, null, "-", null, false),
                ex.StatusCode, ex.Code, ex.Message, TimeSpan.Zero);
            throw;
        }
        await ServeAsync(context, (pipeline, seen) => pipeline.LookUpAsync(url, context.GetCaller(), context.RequestAborted, seen), route);
    }

    /// <summary>GET or HEAD of the file a forwarding route's source recognised (<see cref="IMetadataSource.TryRecognizeFile"/>).</summary>
    public Task ServeAsync(HttpContext context, SourceRef asset, string route)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(asset);
        return ServeAsync(context, (pipeline, seen) =>
        {
            (seen.Host, seen.Source) = (asset.Host, asset.Source.Name);
            return pipeline.LookUpAsync(asset, context.GetCaller(), context.RequestAborted);
        }, route);
    }

    /// <summary>
    /// The pipeline's answer (<paramref name="lookUp"/>), then the file; <paramref name="route"/> names the endpoint or
    /// forwarding route in the audit log. Every request ends in one audit event: refused (nothing sent), completed, or
    /// aborted after its first byte.
    /// </summary>
    private async Task ServeAsync(HttpContext context, Func<AssetPipeline, LookupSeen, Task<AssetLookup>> lookUp, string route)
    {
        var startedAt = time.GetTimestamp();
        var seen = new LookupSeen();
        AssetLookup asset;
        try
        {
            asset = await lookUp(pipeline, seen);
        }
        catch (GatewayException ex)
        {
            var audit = new DownloadAudit(context.GetCaller().Audit, route, seen.Source, seen.Host ?? "-", null, false);
            telemetry.DownloadRefused(audit, ex.StatusCode, ex.Code, ex.Message, time.GetElapsedTime(startedAt));
            throw;
        }
        var download = new Download(context, asset, route, startedAt, time, telemetry);
        try
        {
            await ServeAsync(download);
        }
        catch (GatewayException ex) when (!download.IsFinished)
        {
            download.Finish(DownloadOutcome.SourceFailed, ex.StatusCode, ex.Code, ex.Message); // e.g. the file host could not be reached
            throw;
        }
    }

    private async Task ServeAsync(Download download)
    {
        var context = download.Context;
        var asset = download.Asset;
        if (!asset.Verdict.IsValid)
        {
            var first = asset.Verdict.Errors[0];
            throw download.Refuse(DownloadOutcome.Refused, new GatewayException(StatusCodes.Status403Forbidden, first.Code, first.Message));
        }
        var location = asset.Source.Locate(asset.Asset, asset.Facts);
        if (HttpMethods.IsHead(context.Request.Method))
        {
            await AnswerHeadAsync(download, location);
            return;
        }

        var caller = context.GetCaller().PartitionId;
        var limit = options.CurrentValue.MaxConcurrentPerKey;
        using var slot = slots.TryTake(caller, limit);
        if (slot is null)
        {
            download.Finish(DownloadOutcome.TooManyStreams, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited);
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = SlotRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await context.Response.WriteAsJsonAsync(new ErrorResponse(ErrorCodes.RateLimited, string.Create(CultureInfo.InvariantCulture,
                $"This key already has {limit} downloads open, the most it may hold. Retry after {SlotRetryAfterSeconds} seconds.")),
                GatewayJson.Options, context.RequestAborted);
            return;
        }
        if (await TryServeFromLibraryAsync(download)) // a HIT; else a MISS that may fill the library (LibraryDownloads.cs)
        {
            return;
        }
        try
        {
            await StreamAsync(download, location);
        }
        finally
        {
            if (download.Fill is { } fill)
            {
                await fill.DisposeAsync(); // not completed: dropped, nothing stored
            }
        }
    }

    /// <summary>
    /// What a GET would answer, without the file: its size, type, name and — for a source whose own answer describes
    /// the file (Hugging Face) — that answer's headers, from a HEAD to the source's own host (the redirect to storage not
    /// followed, as the metadata probe does).
    /// </summary>
    private async Task AnswerHeadAsync(Download download, ContentLocation location)
    {
        var context = download.Context;
        IReadOnlyList<HttpResponseHeaders> hops = [];
        if (download.SourceDescribesFile)
        {
            using var response = await SendAsync(download.Request(HttpMethod.Head, location.Url, location.Authorize) with
            {
                Redirects = RedirectMode.SameHostOnly,
                Trusted = location.Trusted,
            }, context.RequestAborted);
            if (response.StatusCode is < 200 or >= 400)
            {
                download.Finish(DownloadOutcome.SourceFailed, StatusCodes.Status422UnprocessableEntity, SourceFailures.CodeFor(response.StatusCode));
                throw SourceFailures.FromStatus(response.StatusCode, "The file host");
            }
            hops = response.HopHeaders;
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        download.WriteFileHeaders(hops, finalEtag: null);
        if (download.Facts.ContentLength is { } size)
        {
            context.Response.ContentLength = size;
        }
        download.Finish(DownloadOutcome.Head, StatusCodes.Status200OK);
    }
}
