using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ModelGateway.Assets;
using ModelGateway.Caching;
using ModelGateway.Callers;
using ModelGateway.Egress;
using ModelGateway.Policies;
using ModelGateway.Primitives;
using ModelGateway.Sources;
using ModelGateway.Telemetry;
using ContentDispositionHeaderValue = Microsoft.Net.Http.Headers.ContentDispositionHeaderValue;
using EntityTagHeaderValue = System.Net.Http.Headers.EntityTagHeaderValue;

namespace ModelGateway.Downloads;

/// <summary>
/// One request for a file's bytes: its context, its pipeline answer, the headers every answer about the file carries,
/// and its one audit event (<see cref="Finish"/>).
/// </summary>
internal sealed partial class Download(HttpContext context, AssetLookup asset, string route, long startedAt, TimeProvider time, GatewayTelemetry telemetry)
{
    private const string OctetStream = "application/octet-stream";

    private DownloadAudit _audit = new(context.GetCaller().Audit, route, asset.Source.Name,
        asset.Asset.Host, asset.Facts.ContentLength, context.Request.Headers.Range.Count > 0);

    private bool _started;

    /// <summary>Whether the request's one audit event was written.</summary>
    public bool IsFinished { get; private set; }

    public HttpContext Context => context;

    public AssetLookup Asset => asset;

    public AssetFacts Facts => asset.Facts;

    /// <summary>The bytes of the file that reached the client.</summary>
    public long BytesSent { get; set; }

    /// <summary>Whether the source's own answer describes the file (<see cref="IMetadataSource.FileHeaders"/>: its HEAD is asked for them).</summary>
    public bool SourceDescribesFile => asset.Source.FileHeaders.Count > 0;

    /// <summary>
    /// A request for the file, held to the base policy's host lists and the caller's (both must allow every hop but
    /// the source's own), its hops recorded nowhere: the facts already say where the file was found.
    /// </summary>
    public EgressRequest Request(HttpMethod method, Uri url, Action<HttpRequestMessage>? configure) => new(method, url, configure)
    {
        AllowedHosts = asset.BasePolicy.AllowedHosts,
        BlockedHosts = asset.BasePolicy.BlockedHosts,
        CallerPolicy = asset.Policy,
    };

    /// <summary>The first byte is about to go to the client (logged once, before the first write).</summary>
    public void Started()
    {
        if (_started)
        {
            return;
        }
        _started = true;
        telemetry.DownloadStarted(_audit);
    }

    /// <summary>
    /// The request's last audit event: an answer that is not the file's bytes or ended cleanly is completed; one
    /// answered with an error (a status and code: nothing of the file was sent) is refused; a transfer cut off is
    /// aborted, with the bytes that went before.
    /// </summary>
    public void Finish(DownloadOutcome outcome, int status, string? code = null, string? detail = null)
    {
        if (IsFinished)
        {
            return;
        }
        IsFinished = true;
        var elapsed = time.GetElapsedTime(startedAt);
        RecordLibraryAnswer();
        if (outcome is DownloadOutcome.Completed or DownloadOutcome.Head or DownloadOutcome.NotModified or DownloadOutcome.RangeNotSatisfiable)
        {
            telemetry.DownloadCompleted(_audit, status, BytesSent, elapsed);
        }
        else if (code is not null)
        {
            telemetry.DownloadRefused(_audit, status, code, detail, elapsed);
        }
        else
        {
            telemetry.DownloadAborted(_audit, AbortReason(outcome), BytesSent, elapsed);
        }
    }

    /// <summary>Ends the request with an error answer: audited as refused, then thrown for the exception handler to write.</summary>
    public GatewayException Refuse(DownloadOutcome outcome, GatewayException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Finish(outcome, error.StatusCode, error.Code, error.Message);
        return error;
    }

    /// <summary>The host serves other bytes than the ones inspected (422 <c>CONTENT_CHANGED</c>, nothing sent).</summary>
    public GatewayException Changed(string message) =>
        Refuse(DownloadOutcome.ContentChanged, GatewayException.SourceFailed(ErrorCodes.ContentChanged, message));

    /// <summary>
    /// The response headers every answer about the file carries: its type, name, <c>Accept-Ranges</c>, how the cache
    /// found its facts, and the source's own file headers (<see cref="IMetadataSource.FileHeaders"/>) from the first hop that has them (<paramref name="hops"/>);
    /// the ETag is that of the answer that served the bytes (<paramref name="finalEtag"/>) unless the source's is kept.
    /// </summary>
    public void WriteFileHeaders(IReadOnlyList<HttpResponseHeaders> hops, EntityTagHeaderValue? finalEtag)
    {
        var headers = context.Response.Headers;
        headers.ContentType = Facts.ContentType ?? OctetStream;
        headers.AcceptRanges = "bytes";
        var disposition = new ContentDispositionHeaderValue("attachment");
        if (Facts.Filename is { } filename)
        {
            disposition.SetHttpFileName(filename); // filename, and filename* (RFC 6266) for names that are not ASCII
        }
        headers.ContentDisposition = disposition.ToString();
        headers[CacheStatusHeader.Name] = LibraryCacheStatus ?? CacheStatusHeader.Value(asset.CacheStatus);
        var kept = asset.Source.FileHeaders;
        foreach (var name in kept)
        {
            foreach (var hop in hops)
            {
                if (hop.TryGetValues(name, out var values))
                {
                    headers[name] = values.ToArray();
                    break;
                }
            }
        }
        if (!kept.Contains(HeaderNames.ETag) && (LibraryEtag ?? finalEtag?.ToString()) is { } etag)
        {
            headers.ETag = etag;
        }
    }

    /// <summary>
    /// Sets the status and headers of the host's <paramref name="response"/> copied as <paramref name="plan"/> says: the
    /// head checked out, and the bytes can go.
    /// </summary>
    public void WriteStart(EgressResponse response, CopyPlan plan, HostBody body)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(plan);
        var answer = context.Response;
        var message = response.Message;
        WriteFileHeaders(response.HopHeaders, message.Headers.ETag);
        if (body.Ranged)
        {
            answer.StatusCode = StatusCodes.Status206PartialContent;
            var total = body.FileSize is { } size ? size.ToString(CultureInfo.InvariantCulture) : "*";
            answer.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {plan.From}-{plan.To}/{total}");
            answer.ContentLength = plan.To - plan.From + 1;
        }
        else
        {
            answer.StatusCode = StatusCodes.Status200OK;
            answer.ContentLength = plan.FileSize;
        }
        if (message.Content.Headers.LastModified is { } modified)
        {
            answer.Headers.LastModified = modified.ToString("R", CultureInfo.InvariantCulture);
        }
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <summary>A 416: the file (of <paramref name="fileSize"/> bytes, when known) has no byte where the range starts.</summary>
    public void AnswerUnsatisfiable(long? fileSize)
    {
        context.Response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
        context.Response.Headers.ContentRange = fileSize is { } size ? $"bytes */{size.ToString(CultureInfo.InvariantCulture)}" : "bytes */*";
        Finish(DownloadOutcome.RangeNotSatisfiable, StatusCodes.Status416RangeNotSatisfiable);
    }

    private static string AbortReason(DownloadOutcome outcome) => outcome switch
    {
        DownloadOutcome.HashMismatch => DownloadAbortReasons.IntegrityMismatch,
        DownloadOutcome.LengthMismatch => DownloadAbortReasons.LengthMismatch,
        DownloadOutcome.TooLarge => DownloadAbortReasons.TooLarge,
        DownloadOutcome.IdleTimeout => DownloadAbortReasons.IdleTimeout,
        DownloadOutcome.ClientLeft => DownloadAbortReasons.ClientDisconnected,
        _ => DownloadAbortReasons.UpstreamFailed,
    };
}
