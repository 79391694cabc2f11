using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using ModelGateway.Library;
using ModelGateway.Primitives;
using EntityTagHeaderValue = Microsoft.Net.Http.Headers.EntityTagHeaderValue;

namespace ModelGateway.Downloads;

/// <summary>
/// The library in front of the file hosts (the pull-through cache). Only for files whose facts carry a SHA-256, after the
/// caller's policy allowed the file (every request: a stored blob never bypasses a policy that refuses it):
/// <list type="bullet">
/// <item>held in the store (with the inspected length) → served from it: 200 or 206 for a <c>Range</c>,
/// <c>ETag: "&lt;sha256&gt;"</c>, <c>If-None-Match</c> (304) and <c>If-Range</c>, <c>X-Cache-Status: HIT</c>; no host is
/// asked for the bytes;</item>
/// <item>not held, whole file asked for → streamed from upstream as always and teed into the store
/// (<see cref="IDownloadSink"/>), committed only when the copy completed with every whole-file check passed
/// (<c>X-Cache-Status: MISS</c>). A caller that leaves early drops the fill: nothing is stored and the next caller
/// fills again (no background fill, so no upstream traffic that nobody waits for);</item>
/// <item>another caller's fill of the same blob under way, here or on another replica → this caller waits for it to end
/// (sending nothing yet), then is served from the store; if that fill failed it fills itself. So a blob is fetched in
/// full once at a time across replicas;</item>
/// <item>a <c>Range</c> on a file not held → passed to upstream as always, nothing stored.</item>
/// </list>
/// Files without a published SHA-256 are streamed as before and never stored.
/// </summary>
internal sealed partial class FileDownloader
{
    /// <summary>
    /// Answers the download from the library when it holds the file (true); else prepares the upstream stream — a
    /// <see cref="Download.Fill"/> when this caller fills the store — and returns false.
    /// </summary>
    private async Task<bool> TryServeFromLibraryAsync(Download download)
    {
        var facts = download.Facts;
        if (Sha256Key.Normalize(facts.Sha256) is not { } sha256)
        {
            return false;
        }
        var request = download.Context.Request;
        var token = download.Context.RequestAborted;
        download.LibraryEtag = $"\"{sha256}\"";
        download.LibraryMetrics = library.Metrics;
        while (true)
        {
            using (var blob = await library.OpenAsync(sha256, token))
            {
                // A blob of another length than inspected is not served: upstream decides, and a fill replaces it.
                if (blob is not null && (facts.ContentLength is not { } size || blob.Length == size))
                {
                    await download.ServeBlobAsync(blob, options.CurrentValue.IdleTimeout);
                    return true;
                }
            }
            download.LibraryCacheStatus = Download.Miss;
            if (request.Headers.Range.Count > 0 || !library.CachesDownloads)
            {
                return false; // a part of a file not held: upstream's, and nothing stored
            }
            var fill = await library.TryBeginFillAsync(sha256, facts.ContentLength, token);
            if (fill is { Stored: true })
            {
                download.Fill = fill;
                return false;
            }
            if (fill is not null)
            {
                await fill.DisposeAsync(); // no room, or the store failed: stream without storing, and hold up nobody
                return false;
            }
            await library.WaitForFillAsync(sha256, token); // filled elsewhere: look again when it may have ended
        }
    }

    /// <summary>The fill as the copy's second destination, for a whole file whose SHA-256 the copy checks.</summary>
    private static FillSink? LibrarySink(Download download, CopyPlan plan) =>
        download.Fill is { } fill && plan.Sha256 is not null && plan.SourceStart == 0 ? new FillSink(fill) : null;

    /// <summary>The copy completed with every check passed: the blob is published (when its own hash agrees).</summary>
    private static async Task CompleteFillAsync(Download download)
    {
        if (download.Fill is { } fill && fill.Written > 0)
        {
            await fill.CompleteAsync(CancellationToken.None);
        }
    }

    private sealed class FillSink(ModelLibrary.BlobFill fill) : IDownloadSink
    {
        public ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, long fileOffset, CancellationToken cancellationToken) =>
            fill.WriteAsync(chunk, cancellationToken);
    }
}

/// <summary>The library's side of a download: its cache status, ETag and fill, and serving a stored blob.</summary>
internal sealed partial class Download
{
    public const string Hit = "HIT";
    public const string Miss = "MISS";

    private const int StoreBufferBytes = 256 * 1024;

    /// <summary>This caller's fill of the library, when it streams a whole file from upstream into the store.</summary>
    public ModelLibrary.BlobFill? Fill { get; set; }

    /// <summary><c>HIT</c> or <c>MISS</c> for a file with a published SHA-256 (the library's answer), else null.</summary>
    public string? LibraryCacheStatus { get; set; }

    /// <summary>
    /// <c>"&lt;sha256&gt;"</c> for a file with a published SHA-256: its ETag whether it comes from the store or from
    /// upstream (unless the source's own ETag is kept), so a client's validator holds across both.
    /// </summary>
    public string? LibraryEtag { get; set; }

    /// <summary>Where the library's answer is counted (set when the library applies).</summary>
    public LibraryMetrics? LibraryMetrics { get; set; }

    /// <summary>Counts the answer in the library's metrics and puts it in the audit (at the request's end).</summary>
    private void RecordLibraryAnswer()
    {
        if (LibraryCacheStatus is not { } status)
        {
            return;
        }
        _audit = _audit with { Cache = status };
        if (LibraryMetrics is not { } metrics)
        {
            return;
        }
        if (status == Hit)
        {
            metrics.Hit();
        }
        else
        {
            metrics.Miss();
        }
        if (BytesSent > 0)
        {
            metrics.BytesSent(fromStore: status == Hit, BytesSent);
        }
    }

    /// <summary>Serves the file from the store: conditional and range requests answered here, nothing asked upstream.</summary>
    public async Task ServeBlobAsync(ModelLibrary.LibraryBlob blob, TimeSpan idleTimeout)
    {
        ArgumentNullException.ThrowIfNull(blob);
        LibraryCacheStatus = Hit;
        var request = Context.Request;
        var response = Context.Response;
        var etag = new EntityTagHeaderValue(LibraryEtag ?? $"\"{blob.Sha256}\"");
        WriteFileHeaders([], finalEtag: null);
        response.Headers.ETag = etag.ToString();

        var typed = request.GetTypedHeaders();
        if (typed.IfNoneMatch is { Count: > 0 } ifNoneMatch
            && ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            response.Headers.ContentDisposition = default;
            Finish(DownloadOutcome.NotModified, StatusCodes.Status304NotModified);
            return;
        }
        var rangeHeader = typed.Range;
        if (rangeHeader is not null && request.Headers.IfRange.Count > 0
            && (typed.IfRange?.EntityTag is not { } ifRange || !ifRange.Compare(etag, useStrongComparison: true)))
        {
            rangeHeader = null; // If-Range names other bytes (or a date, which a blob has none of): the whole file
        }
        var range = ByteRange.FromRequest(rangeHeader, blob.Length, out var unsatisfiable);
        if (unsatisfiable)
        {
            AnswerUnsatisfiable(blob.Length);
            return;
        }
        var from = range?.From ?? 0;
        var to = range?.To ?? blob.Length - 1;
        var count = blob.Length == 0 ? 0 : to - from + 1;
        await using var content = await blob.OpenReadAsync(from, count, Context.RequestAborted);
        if (content is null)
        {
            // Removed between finding and opening it (verify --remove): nothing was sent, the client may retry.
            throw Refuse(DownloadOutcome.SourceFailed, new GatewayException(StatusCodes.Status503ServiceUnavailable,
                ErrorCodes.ServiceUnavailable, "The library lost the file while it was being opened. Retry."));
        }
        if (range is not null)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {from}-{to}/{blob.Length}");
        }
        else
        {
            response.StatusCode = StatusCodes.Status200OK;
        }
        response.ContentLength = count;
        Context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await CopyFromStoreAsync(content, count, idleTimeout);
    }

    /// <summary>Copies <paramref name="count"/> bytes of the blob to the client, every read and write within the idle timeout.</summary>
    private async Task CopyFromStoreAsync(Stream content, long count, TimeSpan idleTimeout)
    {
        using var idleTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(Context.RequestAborted, idleTimer.Token);
        var buffer = ArrayPool<byte>.Shared.Rent(StoreBufferBytes);
        try
        {
            Started();
            await Context.Response.StartAsync(linked.Token);
            while (BytesSent < count)
            {
                idleTimer.CancelAfter(idleTimeout);
                var read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count - BytesSent)), linked.Token);
                if (read == 0)
                {
                    break;
                }
                await Context.Response.Body.WriteAsync(buffer.AsMemory(0, read), linked.Token);
                BytesSent += read;
            }
            if (BytesSent != count)
            {
                Aborted(DownloadOutcome.LengthMismatch); // the store's blob ended early: never a clean end
                return;
            }
            Finish(DownloadOutcome.Completed, Context.Response.StatusCode);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && Context.RequestAborted.IsCancellationRequested)
        {
            Finish(DownloadOutcome.ClientLeft, Context.Response.StatusCode);
        }
        catch (OperationCanceledException) when (idleTimer.IsCancellationRequested)
        {
            Aborted(DownloadOutcome.IdleTimeout);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or Amazon.Runtime.AmazonClientException)
        {
            Aborted(DownloadOutcome.HostBrokeOff); // the store failed mid-read
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Audited first, then the connection cut: the client sees a broken transfer, never a clean end.</summary>
    private void Aborted(DownloadOutcome outcome)
    {
        Finish(outcome, Context.Response.StatusCode);
        Context.Abort();
    }
}
