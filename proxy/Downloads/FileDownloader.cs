using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ModelGateway.Caching;
using ModelGateway.Egress;
using ModelGateway.Library;
using ModelGateway.Metadata;
using ModelGateway.Policies;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;
using ModelGateway.Sniffing;
using ModelGateway.Sources;
using ModelGateway.Sources.HuggingFace;
using ModelGateway.Telemetry;
using ContentDispositionHeaderValue = Microsoft.Net.Http.Headers.ContentDispositionHeaderValue;
using EntityTagHeaderValue = System.Net.Http.Headers.EntityTagHeaderValue;
using RangeHeaderValue = System.Net.Http.Headers.RangeHeaderValue;

namespace ModelGateway.Downloads;

/// <summary>
/// Serves a file's bytes under the caller's policy, for <c>/api/assets/download</c> and for the downloads of forwarding
/// routes that enforce policy. The remote-metadata pipeline decides first (<see cref="MetadataService.LookUpAsync"/>):
/// a verdict error is a 403 and the file host is never asked for the file. Then the file is fetched through the egress
/// client (every redirect hop checked, source credentials on the source's own hosts only, nothing of a presigned URL shown
/// or logged) and streamed with a fixed buffer: its head is read and checked against the inspected format before any
/// byte reaches the client (422 <c>CONTENT_CHANGED</c>); a whole file whose source published a SHA-256 is hashed on the
/// way, and its last bytes are held back until the hash and the length are right — a mismatch, a body longer or shorter
/// than inspected, a stall longer than <c>Downloads:IdleTimeoutSeconds</c> or a failing host aborts the response, so the
/// client sees a broken transfer, never a clean end. A client that leaves cancels the upstream request at once.
/// </summary>
internal sealed partial class FileDownloader(
    MetadataService pipeline,
    EgressClient egress,
    DownloadSlots slots,
    IOptionsMonitor<DownloadOptions> options,
    IOptions<RateLimitingOptions> rateLimits,
    TimeProvider time,
    GatewayTelemetry telemetry,
    ModelLibrary library)
{
    private readonly TimeProvider _time = time;
    private readonly GatewayTelemetry _telemetry = telemetry;
    private readonly IOptionsMonitor<DownloadOptions> _options = options;
    private readonly ModelLibrary _library = library;

    // Two per running download (512 KiB). Each chunk is hashed on another thread while the one before it is written:
    // 256 KiB chunks halve that hand-off's cost against 64 KiB ones (download/forwarded ≈ 0.62× → 0.74× on the bench box).
    private const int BufferBytes = 256 * 1024;
    private const string OctetStream = "application/octet-stream";

    // Retry-After of a refused stream: when one of the caller's streams ends cannot be foreseen.
    private const int SlotRetryAfterSeconds = 5;

    /// <summary>
    /// The headers of a source's own answer (before its redirect to storage) that describe the file and stay on the
    /// answer — Hugging Face clients read them: the commit, the file's sha256 (<c>X-Linked-Etag</c>), its size, its ETag.
    /// </summary>
    private static readonly Dictionary<string, string[]> SourceFileHeaders = new(StringComparer.Ordinal)
    {
        [HuggingFaceSource.SourceName] = ["X-Repo-Commit", "X-Linked-Etag", "X-Linked-Size", HeaderNames.ETag],
    };

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
            _telemetry.DownloadRefused(new DownloadAudit(MetadataService.AuditCallerOf(context.User), route, null, "-", null, false),
                ex.StatusCode, ex.Code, ex.Message, TimeSpan.Zero);
            throw;
        }
        await ServeAsync(context, url, source: null, route);
    }

    /// <summary>
    /// GET or HEAD of the file <paramref name="url"/> names; <paramref name="source"/> as for the pipeline;
    /// <paramref name="route"/> names the endpoint or forwarding route in the audit log. Every request ends in one audit
    /// event: refused (nothing sent), completed, or aborted after its first byte.
    /// </summary>
    public async Task ServeAsync(HttpContext context, Uri url, IMetadataSource? source, string route)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(url);
        var startedAt = _time.GetTimestamp();
        AssetLookup asset;
        try
        {
            asset = await pipeline.LookUpAsync(url, context.User, source, context.RequestAborted);
        }
        catch (GatewayException ex)
        {
            var audit = new DownloadAudit(MetadataService.AuditCallerOf(context.User), route, source?.Name, HostPolicy.NormalizeHost(url.Host), null, false);
            _telemetry.DownloadRefused(audit, ex.StatusCode, ex.Code, ex.Message, _time.GetElapsedTime(startedAt));
            throw;
        }
        var download = new Download(this, context, asset, route, startedAt);
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
            download.Finish(DownloadOutcome.Refused, StatusCodes.Status403Forbidden, first.Code, first.Message);
            throw new GatewayException(StatusCodes.Status403Forbidden, first.Code, first.Message);
        }
        var location = asset.Source.Locate(asset.Url, asset.Facts);
        if (HttpMethods.IsHead(context.Request.Method))
        {
            await AnswerHeadAsync(download, location);
            return;
        }

        var caller = RateLimitPartitionKey.For(context.User, context.Connection.RemoteIpAddress, rateLimits.Value.PermitLimit).Id;
        var limit = _options.CurrentValue.MaxConcurrentPerKey;
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
            await download.StreamAsync(location);
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
        if (SourceFileHeaders.ContainsKey(download.Asset.Source.Name))
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
        if (download.Asset.Facts.ContentLength is { } size)
        {
            context.Response.ContentLength = size;
        }
        download.Finish(DownloadOutcome.Head, StatusCodes.Status200OK);
    }

    private async Task<EgressResponse> SendAsync(EgressRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await egress.SendAsync(request, cancellationToken);
        }
        catch (EgressException ex)
        {
            throw EgressFailures.ToGatewayException(ex);
        }
    }

    /// <summary>One request for a file's bytes: its context, its pipeline answer, and what it did (for the audit log).</summary>
    private sealed partial class Download(FileDownloader owner, HttpContext context, AssetLookup asset, string route, long startedAt)
    {
        private DownloadAudit _audit = new(MetadataService.AuditCallerOf(context.User), route, asset.Source.Name,
            HostPolicy.NormalizeHost(asset.Url.Host), asset.Facts.ContentLength, context.Request.Headers.Range.Count > 0);

        private long _bytesSent;
        private bool _started;

        public FileDownloader Owner => owner;

        /// <summary>Whether the request's one audit event was written.</summary>
        public bool IsFinished { get; private set; }

        public HttpContext Context => context;

        public AssetLookup Asset => asset;

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

        private AssetFacts Facts => asset.Facts;

        /// <summary>The first byte is about to go to the client (logged once, before the first write).</summary>
        public void Started()
        {
            if (_started)
            {
                return;
            }
            _started = true;
            owner._telemetry.DownloadStarted(_audit);
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
            var elapsed = owner._time.GetElapsedTime(startedAt);
            RecordLibraryAnswer();
            if (outcome is DownloadOutcome.Completed or DownloadOutcome.Head or DownloadOutcome.NotModified or DownloadOutcome.RangeNotSatisfiable)
            {
                owner._telemetry.DownloadCompleted(_audit, status, _bytesSent, elapsed);
            }
            else if (code is not null)
            {
                owner._telemetry.DownloadRefused(_audit, status, code, detail, elapsed);
            }
            else
            {
                owner._telemetry.DownloadAborted(_audit, AbortReason(outcome), _bytesSent, elapsed);
            }
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

        public async Task StreamAsync(ContentLocation location)
        {
            var request = context.Request;
            var fileSize = Facts.ContentLength;
            var wanted = ByteRange.FromRequest(request.GetTypedHeaders().Range, fileSize, out var unsatisfiable);
            if (unsatisfiable)
            {
                AnswerUnsatisfiable(fileSize);
                Finish(DownloadOutcome.RangeNotSatisfiable, StatusCodes.Status416RangeNotSatisfiable);
                return;
            }
            var asked = wanted?.WidenedToHead(ContentSniffer.HeadBytes);
            var ifRange = wanted is null ? default : request.Headers.IfRange;
            var ifNoneMatch = request.Headers.IfNoneMatch;
            var egressRequest = Request(HttpMethod.Get, location.Url, message =>
            {
                location.Authorize?.Invoke(message);
                if (asked is { } range)
                {
                    message.Headers.Range = new RangeHeaderValue(range.From, range.To);
                    if (ifRange.Count > 0)
                    {
                        message.Headers.TryAddWithoutValidation(HeaderNames.IfRange, ifRange.ToString());
                    }
                }
                if (ifNoneMatch.Count > 0)
                {
                    message.Headers.TryAddWithoutValidation(HeaderNames.IfNoneMatch, ifNoneMatch.ToString());
                }
            }) with
            {
                Trusted = location.Trusted,
            };

            using var response = await owner.SendAsync(egressRequest, context.RequestAborted);
            var message = response.Message;
            switch (response.StatusCode)
            {
                case StatusCodes.Status304NotModified:
                    context.Response.StatusCode = StatusCodes.Status304NotModified;
                    WriteFileHeaders(response.HopHeaders, message.Headers.ETag);
                    context.Response.Headers.ContentDisposition = default;
                    Finish(DownloadOutcome.NotModified, StatusCodes.Status304NotModified);
                    return;
                case StatusCodes.Status416RangeNotSatisfiable:
                    AnswerUnsatisfiable(message.Content.Headers.ContentRange?.Length ?? fileSize);
                    Finish(DownloadOutcome.RangeNotSatisfiable, StatusCodes.Status416RangeNotSatisfiable);
                    return;
                case StatusCodes.Status200OK or StatusCodes.Status206PartialContent:
                    break;
                default:
                    Finish(DownloadOutcome.SourceFailed, StatusCodes.Status422UnprocessableEntity, SourceFailures.CodeFor(response.StatusCode));
                    throw SourceFailures.FromStatus(response.StatusCode, "The file host");
            }

            var body = Body.Of(response, asked);
            if (EgressBody.IsEncoded(message.Content.Headers))
            {
                throw Changed("The file host sent the file encoded, not its own bytes.");
            }
            if (fileSize is { } inspected && body.FileSize is { } served && served != inspected)
            {
                throw Changed(string.Create(CultureInfo.InvariantCulture, $"The file host now serves {served} bytes; {inspected} were inspected."));
            }
            var maxSize = asset.Policy.MaxSizeBytes;
            if (maxSize > 0 && body.FileSize > maxSize)
            {
                Finish(DownloadOutcome.Refused, StatusCodes.Status403Forbidden, ValidationCodes.FileTooLarge);
                throw new GatewayException(StatusCodes.Status403Forbidden, ValidationCodes.FileTooLarge, string.Create(CultureInfo.InvariantCulture,
                    $"File size {body.FileSize} bytes exceeds the limit of {maxSize} bytes."));
            }
            fileSize ??= body.FileSize;

            // The client's part of the host's body: the range it asked for when the host served a range (the widened
            // one, or its own), cut to where the body ends; else the whole body. A whole file is one the client gets
            // from its first byte to its last.
            long from = 0;
            long? to = null;
            if (body.Ranged)
            {
                from = wanted?.From ?? body.Start;
                to = wanted?.To ?? (fileSize is { } size ? size - 1 : body.End);
                if (body.End is { } end && (to is null || to > end))
                {
                    to = end;
                }
                if (from > to)
                {
                    AnswerUnsatisfiable(fileSize); // the file ends before the part asked for
                    Finish(DownloadOutcome.RangeNotSatisfiable, StatusCodes.Status416RangeNotSatisfiable);
                    return;
                }
            }
            var whole = !body.Ranged || (from == 0 && fileSize is { } length && to == length - 1);
            var streamed = new Streamed(from, to, body.Ranged ? null : Facts.Sha256, whole ? fileSize : null);

            await using var upstream = await message.Content.ReadAsStreamAsync(context.RequestAborted);
            await new Pump(this, upstream, body, streamed, response, maxSize).RunAsync();
        }

        /// <summary>
        /// The response headers every answer about the file carries: its type, name, <c>Accept-Ranges</c>, how the cache
        /// found its facts, and the source's own file headers from the first hop that has them (<paramref name="hops"/>);
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
            var kept = SourceFileHeaders.GetValueOrDefault(asset.Source.Name) ?? [];
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
            if (!kept.Contains(HeaderNames.ETag) && (LibraryEtag?.ToString() ?? finalEtag?.ToString()) is { } etag)
            {
                headers.ETag = etag;
            }
        }

        private void AnswerUnsatisfiable(long? fileSize)
        {
            context.Response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
            context.Response.Headers.ContentRange = fileSize is { } size ? $"bytes */{size.ToString(CultureInfo.InvariantCulture)}" : "bytes */*";
        }

        private GatewayException Changed(string message)
        {
            Finish(DownloadOutcome.ContentChanged, StatusCodes.Status422UnprocessableEntity, ErrorCodes.ContentChanged, message);
            return GatewayException.SourceFailed(ErrorCodes.ContentChanged, message);
        }

        /// <summary>
        /// Moves the bytes: head check, then a fixed pair of buffers; each chunk is written only once the next one has
        /// been read (or the body has ended and checked out), so the client never gets the last bytes of a body that
        /// turns out wrong.
        /// </summary>
        private sealed class Pump(Download download, Stream upstream, Body body, Streamed streamed, EgressResponse response, long maxSize)
        {
            private readonly HttpContext _context = download.Context;
            private readonly TimeSpan _idle = download.Owner._options.CurrentValue.IdleTimeout;
            private long _position = body.Start; // the file offset of the next byte read from the host

            public async Task RunAsync()
            {
                // A whole file teed into the library is hashed by its fill (one hash, checked by both).
                var tee = streamed.Sha256 is not null && download.Fill is { Stored: true } fill ? fill : null;
                using var hash = streamed.Sha256 is null || tee is not null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                using var idleTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, download.Owner._time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(_context.RequestAborted, idleTimer.Token);
                var head = ArrayPool<byte>.Shared.Rent(ContentSniffer.HeadBytes);
                var buffers = new[] { ArrayPool<byte>.Shared.Rent(BufferBytes), ArrayPool<byte>.Shared.Rent(BufferBytes) };
                try
                {
                    var outcome = await PumpAsync(head, buffers, hash, tee, idleTimer, linked.Token);
                    Finish(outcome);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException && _context.RequestAborted.IsCancellationRequested)
                {
                    Finish(DownloadOutcome.ClientLeft); // nobody reads on; disposing the answer drops the host's connection
                }
                catch (OperationCanceledException) when (idleTimer.IsCancellationRequested)
                {
                    Fail(DownloadOutcome.IdleTimeout, ErrorCodes.NetworkTimeout, string.Create(CultureInfo.InvariantCulture,
                        $"The file host sent nothing for {_idle.TotalSeconds:0} seconds."));
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    // A host that breaks off or sends less than it announced; a client whose connection failed.
                    Fail(DownloadOutcome.HostBrokeOff, ErrorCodes.NetworkError, "The file host broke off the transfer.");
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(head);
                    ArrayPool<byte>.Shared.Return(buffers[0]);
                    ArrayPool<byte>.Shared.Return(buffers[1]);
                }
            }

            private async Task<DownloadOutcome> PumpAsync(byte[] head, byte[][] buffers, IncrementalHash? hash, ModelLibrary.BlobFill? tee,
                CancellationTokenSource idleTimer, CancellationToken token)
            {
                var pending = ReadOnlyMemory<byte>.Empty;
                if (body.Start == 0)
                {
                    var headLength = await ReadHeadAsync(head, idleTimer, token);
                    var seen = HeadCheck.SeenFormat(head.AsSpan(0, headLength), body.FileSize ?? download.Facts.ContentLength, download.Facts.Filename);
                    if (!HeadCheck.Matches(download.Facts, seen))
                    {
                        throw download.Changed(seen is { } format
                            ? $"The file host served other bytes than the ones inspected: \"{format}\" instead of \"{download.Facts.Format}\"."
                            : $"The file host served other bytes than the ones inspected: they no longer show \"{download.Facts.Format}\".");
                    }
                    Start();
                    if (Take(head.AsMemory(0, headLength), out pending) is { } refused)
                    {
                        return refused;
                    }
                    hash?.AppendData(head.AsSpan(0, headLength));
                    if (tee is not null)
                    {
                        await tee.WriteAsync(head.AsMemory(0, headLength), token);
                    }
                }
                else
                {
                    Start();
                }

                var next = 0;
                while (streamed.To is not { } to || _position <= to)
                {
                    var buffer = buffers[next];
                    next ^= 1; // the pending chunk lives in the other buffer (or the head's) until it is written
                    var read = await ReadAsync(buffer, idleTimer, token);
                    if (read == 0)
                    {
                        break;
                    }
                    var chunk = buffer.AsMemory(0, read);
                    if (Take(chunk, out var part) is { } refused)
                    {
                        return refused; // the pending chunk is never written
                    }
                    // The chunk is hashed on another thread while the one before it goes to the client; it is hashed
                    // in full before the next read can reuse a buffer, and before the transfer ends either way.
                    var hashing = tee is not null ? Task.Run(async () => await tee.WriteAsync(chunk, token), CancellationToken.None)
                        : hash is null ? Task.CompletedTask : Task.Run(() => hash.AppendData(chunk.Span), CancellationToken.None);
                    try
                    {
                        if (!part.IsEmpty)
                        {
                            // A chunk is written once the one after it has arrived: never the body's last bytes before
                            // the checks at its end.
                            if (!pending.IsEmpty)
                            {
                                await WriteAsync(pending, idleTimer, token);
                            }
                            pending = part;
                        }
                    }
                    finally
                    {
                        await hashing;
                    }
                }

                if (streamed.To is { } end && _position <= end)
                {
                    return DownloadOutcome.LengthMismatch; // the host's body ended before the part it announced
                }
                if (streamed.FileSize is { } expected && _position != expected)
                {
                    return DownloadOutcome.LengthMismatch; // the host's body ended before the inspected size
                }
                if (hash is not null && Convert.ToHexStringLower(hash.GetHashAndReset()) != streamed.Sha256)
                {
                    return DownloadOutcome.HashMismatch;
                }
                // The blob is published (only now: its hash and length matched) before the last bytes go to the client.
                if (tee is not null && !await tee.CompleteAsync(CancellationToken.None))
                {
                    return DownloadOutcome.HashMismatch;
                }
                if (!pending.IsEmpty)
                {
                    await WriteAsync(pending, idleTimer, token);
                }
                return DownloadOutcome.Completed;
            }

            /// <summary>Reads the file's first bytes (up to the head's size, the end of the body, or the part asked for).</summary>
            private async Task<int> ReadHeadAsync(byte[] head, CancellationTokenSource idleTimer, CancellationToken token)
            {
                var want = ContentSniffer.HeadBytes;
                if (body.End is { } end && end + 1 < want)
                {
                    want = (int)(end + 1);
                }
                var length = 0;
                while (length < want)
                {
                    var read = await ReadAsync(head.AsMemory(length, want - length), idleTimer, token);
                    if (read == 0)
                    {
                        break;
                    }
                    length += read;
                }
                return length;
            }

            /// <summary>
            /// Takes a chunk read from the host at <see cref="_position"/>: checks it against the inspected size and the
            /// policy's size limit, and gives the client's part of it (<paramref name="part"/>, maybe empty). Non-null: the
            /// transfer must be aborted. The caller hashes the chunk.
            /// </summary>
            private DownloadOutcome? Take(ReadOnlyMemory<byte> chunk, out ReadOnlyMemory<byte> part)
            {
                part = ReadOnlyMemory<byte>.Empty;
                var start = _position;
                _position += chunk.Length;
                if (streamed.FileSize is { } expected && _position > expected)
                {
                    return DownloadOutcome.LengthMismatch; // longer than the inspected size
                }
                if (maxSize > 0 && _position > maxSize)
                {
                    return DownloadOutcome.TooLarge; // a file whose size nobody told grows past the policy's limit
                }
                var from = Math.Max(start, streamed.From);
                var to = Math.Min(_position - 1, streamed.To ?? long.MaxValue);
                if (from <= to)
                {
                    part = chunk.Slice((int)(from - start), (int)(to - from + 1));
                }
                return null;
            }

            /// <summary>Sends the status and headers: the head checked out, and the bytes can go.</summary>
            private void Start()
            {
                var answer = _context.Response;
                var message = response.Message;
                download.WriteFileHeaders(response.HopHeaders, message.Headers.ETag);
                if (body.Ranged)
                {
                    answer.StatusCode = StatusCodes.Status206PartialContent;
                    var total = body.FileSize is { } size ? size.ToString(CultureInfo.InvariantCulture) : "*";
                    answer.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {streamed.From}-{streamed.To}/{total}");
                    answer.ContentLength = streamed.To - streamed.From + 1;
                }
                else
                {
                    answer.StatusCode = StatusCodes.Status200OK;
                    answer.ContentLength = streamed.FileSize;
                }
                if (message.Content.Headers.LastModified is { } modified)
                {
                    answer.Headers.LastModified = modified.ToString("R", CultureInfo.InvariantCulture);
                }
                _context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            }

            private async Task WriteAsync(ReadOnlyMemory<byte> chunk, CancellationTokenSource idleTimer, CancellationToken token)
            {
                Arm(idleTimer);
                download.Started();
                await _context.Response.Body.WriteAsync(chunk, token);
                download._bytesSent += chunk.Length;
            }

            private ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationTokenSource idleTimer, CancellationToken token)
            {
                Arm(idleTimer);
                return upstream.ReadAsync(buffer, token);
            }

            // Every read and write must move bytes within the idle timeout (each re-arms it); there is no total timeout.
            private void Arm(CancellationTokenSource idleTimer) => idleTimer.CancelAfter(_idle);

            private void Finish(DownloadOutcome outcome)
            {
                if (outcome != DownloadOutcome.Completed)
                {
                    _context.Abort(); // the client must see a broken transfer, never a clean end
                }
                download.Finish(outcome, _context.Response.StatusCode);
            }

            /// <summary>A failure of the host: before the first byte a 422 answer, after it an aborted transfer.</summary>
            private void Fail(DownloadOutcome outcome, string code, string message)
            {
                if (_context.Response.HasStarted)
                {
                    Finish(outcome);
                    return;
                }
                download.Finish(outcome, StatusCodes.Status422UnprocessableEntity, code, message);
                throw GatewayException.SourceFailed(code, message);
            }
        }
    }

    /// <summary>
    /// The host's answer, as bytes of the file: where they start, where they end (inclusive, when told), the file's size
    /// (when told), and whether it is a part (206) rather than the whole file.
    /// </summary>
    private readonly record struct Body(long Start, long? End, long? FileSize, bool Ranged)
    {
        public static Body Of(EgressResponse response, ByteRange? asked)
        {
            var headers = response.Message.Content.Headers;
            if (response.StatusCode == StatusCodes.Status206PartialContent)
            {
                if (headers.ContentRange is not { HasRange: true, From: { } from, To: { } to } range
                    || !string.Equals(range.Unit, "bytes", StringComparison.OrdinalIgnoreCase) || from != asked?.From)
                {
                    throw GatewayException.SourceFailed(ErrorCodes.HttpError, "The file host answered with another range than the one asked for.");
                }
                return new Body(from, to, range.Length, Ranged: true);
            }
            var size = EgressBody.SizeOf(response.Message);
            return new Body(0, size - 1, size, Ranged: false);
        }
    }

    /// <summary>
    /// The client's part of the body: file offsets <paramref name="From"/>..<paramref name="To"/> (to the end when
    /// null); the <paramref name="Sha256"/> to check, when the client gets the whole file as a 200; the file's size when
    /// the whole file flows, which the body must match exactly.
    /// </summary>
    private sealed record Streamed(long From, long? To, string? Sha256, long? FileSize);
}
