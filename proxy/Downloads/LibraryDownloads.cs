using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ModelGateway.Library;
using EntityTagHeaderValue = Microsoft.Net.Http.Headers.EntityTagHeaderValue;

namespace ModelGateway.Downloads;

/// <summary>
/// The library in front of the file hosts (the pull-through cache). Only for files whose facts carry a SHA-256, after the
/// caller's policy allowed the file (every request: a stored blob never bypasses a policy that refuses it):
/// <list type="bullet">
/// <item>held in the store → served from it: 200 or 206 for a <c>Range</c>, <c>ETag: "&lt;sha256&gt;"</c>,
/// <c>If-None-Match</c> (304) and <c>If-Range</c>, <c>X-Cache-Status: HIT</c>; no host is asked for the bytes;</item>
/// <item>not held, whole file asked for → streamed from upstream as always and teed into the store, committed only if the
/// whole-file checks passed (<c>X-Cache-Status: MISS</c>). A caller that leaves early drops the fill: nothing is stored,
/// and the next caller fills again (no background fill, so no upstream traffic nobody waits for);</item>
/// <item>another caller's fill of the same blob under way, here or on another replica → this caller waits for it to end
/// (sending nothing yet), then is served from the store; if that fill failed, it fills itself. So one blob is fetched
/// in full once at a time across replicas;</item>
/// <item>a <c>Range</c> on a file not held → passed to upstream as always, nothing stored.</item>
/// </list>
/// Files without a published SHA-256 are streamed as before and never stored.
/// </summary>
internal sealed partial class FileDownloader
{
    private const string Hit = "HIT";
    private const string Miss = "MISS";
    private const int StoreBufferBytes = 256 * 1024;

    /// <summary>
    /// Answers the download from the library when it holds the file (true); else prepares the upstream stream — a
    /// <see cref="Download.Fill"/> when this caller fills the store — and returns false.
    /// </summary>
    private async Task<bool> TryServeFromLibraryAsync(Download download)
    {
        var facts = download.Asset.Facts;
        if (Sha256Key.Normalize(facts.Sha256) is not { } sha256)
        {
            return false;
        }
        var request = download.Context.Request;
        var token = download.Context.RequestAborted;
        download.LibraryEtag = new EntityTagHeaderValue($"\"{sha256}\"");
        while (true)
        {
            using (var blob = await _library.OpenAsync(sha256, token))
            {
                if (blob is not null)
                {
                    await download.ServeBlobAsync(blob);
                    return true;
                }
            }
            download.LibraryCacheStatus = Miss;
            if (request.Headers.Range.Count > 0 || !_library.CachesDownloads)
            {
                return false; // a part of a file not held: upstream's, and nothing stored
            }
            var fill = await _library.TryBeginFillAsync(sha256, facts.ContentLength, token);
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
            await _library.WaitForFillAsync(sha256, token); // filled elsewhere: look again when it may have ended
        }
    }

    private sealed partial class Download
    {
        /// <summary>This caller's fill of the library, when it streams a whole file from upstream into the store.</summary>
        public ModelLibrary.BlobFill? Fill { get; set; }

        /// <summary><c>HIT</c> or <c>MISS</c> for a file with a published SHA-256 (the library's answer), else null.</summary>
        public string? LibraryCacheStatus { get; set; }

        /// <summary>
        /// <c>"&lt;sha256&gt;"</c> for a file with a published SHA-256: its ETag whether it comes from the store or from
        /// upstream (unless the source's own ETag is kept), so a client's validator holds across both.
        /// </summary>
        public EntityTagHeaderValue? LibraryEtag { get; set; }

        /// <summary>Counts the answer in the library's metrics and puts it in the audit (at the request's end).</summary>
        private void RecordLibraryAnswer()
        {
            if (LibraryCacheStatus is not { } status)
            {
                return;
            }
            _audit = _audit with { Cache = status };
            var metrics = owner._library.Metrics;
            if (status == Hit)
            {
                metrics.Hit();
            }
            else
            {
                metrics.Miss();
            }
            if (_bytesSent > 0)
            {
                metrics.BytesSent(fromStore: status == Hit, _bytesSent);
            }
        }

        /// <summary>Serves the file from the store: conditional and range requests answered here, nothing asked upstream.</summary>
        public async Task ServeBlobAsync(ModelLibrary.LibraryBlob blob)
        {
            LibraryCacheStatus = Hit;
            var request = context.Request;
            var response = context.Response;
            var etag = LibraryEtag ?? new EntityTagHeaderValue($"\"{blob.Sha256}\"");
            WriteFileHeaders([], finalEtag: null);
            response.Headers.ETag = etag.ToString();

            var typed = request.GetTypedHeaders();
            if (typed.IfNoneMatch is { Count: > 0 } ifNoneMatch && ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false)))
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
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes */{blob.Length}");
                Finish(DownloadOutcome.RangeNotSatisfiable, StatusCodes.Status416RangeNotSatisfiable);
                return;
            }
            var from = range?.From ?? 0;
            var to = range?.To ?? blob.Length - 1;
            var count = blob.Length == 0 ? 0 : to - from + 1;
            await using var content = await blob.OpenReadAsync(from, count, context.RequestAborted);
            if (content is null)
            {
                // Removed between finding and opening (a verify --remove): answer as a host failure, nothing sent.
                Finish(DownloadOutcome.SourceFailed, StatusCodes.Status503ServiceUnavailable, Primitives.ErrorCodes.ServiceUnavailable);
                throw new Primitives.GatewayException(StatusCodes.Status503ServiceUnavailable, Primitives.ErrorCodes.ServiceUnavailable,
                    "The library lost the file while it was opened. Retry.");
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
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await CopyFromStoreAsync(content, count);
        }

        /// <summary>Copies <paramref name="count"/> bytes of the blob to the client, each write within the idle timeout.</summary>
        private async Task CopyFromStoreAsync(Stream content, long count)
        {
            var idle = owner._options.CurrentValue.IdleTimeout;
            using var idleTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, owner._time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, idleTimer.Token);
            var buffer = ArrayPool<byte>.Shared.Rent(StoreBufferBytes);
            try
            {
                Started();
                await context.Response.StartAsync(linked.Token);
                while (_bytesSent < count)
                {
                    idleTimer.CancelAfter(idle);
                    var read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count - _bytesSent)), linked.Token);
                    if (read == 0)
                    {
                        break;
                    }
                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), linked.Token);
                    _bytesSent += read;
                }
                if (_bytesSent != count)
                {
                    context.Abort(); // the store's blob ended early: never a clean end
                    Finish(DownloadOutcome.LengthMismatch, context.Response.StatusCode);
                    return;
                }
                Finish(DownloadOutcome.Completed, context.Response.StatusCode);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
            {
                Finish(DownloadOutcome.ClientLeft, context.Response.StatusCode);
            }
            catch (OperationCanceledException) when (idleTimer.IsCancellationRequested)
            {
                context.Abort();
                Finish(DownloadOutcome.IdleTimeout, context.Response.StatusCode);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or Amazon.Runtime.AmazonClientException)
            {
                context.Abort(); // the store failed mid-read
                Finish(DownloadOutcome.HostBrokeOff, context.Response.StatusCode);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
