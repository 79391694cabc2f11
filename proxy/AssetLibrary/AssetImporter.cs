using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using ModelGateway.Downloads;
using ModelGateway.Library;
using ModelGateway.Assets;
using ModelGateway.Policies;
using ModelGateway.Primitives;
using ModelGateway.Callers;

namespace ModelGateway.AssetLibrary;

/// <summary>A file the library holds now: its blob record, and the name and type it was served under.</summary>
internal sealed record ImportedFile(BlobRecord Blob, string Filename, string ContentType, bool Downloaded);

/// <summary>
/// Brings a remote file into the library through the gateway's own download pipeline — the one
/// <c>GET /api/assets/download</c> runs (<see cref="FileDownloader"/>): the caller's policy on the facts first, redirects
/// followed and re-checked by the gateway, the head checked against the inspected format, a published SHA-256 checked
/// while it streams, stalls and wrong lengths aborted. The bytes go to a file of the import's own under
/// <c>Library:Path/imports</c> while they are hashed, then into the store by their SHA-256 (unless the download's own
/// tee already put them there). Nothing is recorded unless every check passed.
/// </summary>
internal sealed class AssetImporter(
    AssetPipeline pipeline,
    FileDownloader downloader,
    ModelLibrary library,
    AssetRepository assets,
    IServiceProvider services,
    IOptions<AssetLibraryOptions> options,
    IHostEnvironment environment,
    TimeProvider time)
{
    public const string Route = "task:download_file";

    private const int BufferBytes = 256 * 1024;

    /// <summary>
    /// The file <paramref name="url"/> names, in the library: found there by its published SHA-256 without a download, or
    /// downloaded now. <paramref name="bytesDownloaded"/> counts the bytes as they arrive (the task's progress).
    /// </summary>
    /// <exception cref="GatewayException">The URL, the caller's policy (403 with the verdict's code), the source, the file host or the store refused.</exception>
    public async Task<ImportedFile> ImportAsync(Uri url, Caller caller, StrongBox<long> bytesDownloaded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(bytesDownloaded);
        var lookup = await LookUpAsync(url, caller, cancellationToken);
        if (await FindStoredAsync(lookup.Facts, cancellationToken) is { } known)
        {
            return new ImportedFile(known, FileNameOf(lookup.Facts, url), known.MimeType ?? "application/octet-stream", Downloaded: false);
        }

        await using var file = ImportScratch.Create(options.Value.FullPath(environment.ContentRootPath));
        await using var sink = new ImportSink(file, bytesDownloaded);
        var context = DownloadContext(caller, sink, cancellationToken, out var lifetime);
        sink.Owner = context;
        await downloader.ServeAsync(context, lookup.Asset, Route);
        var status = context.Response.StatusCode;
        if (status != StatusCodes.Status200OK)
        {
            throw sink.RefusalOf(status);
        }
        var sha256 = sink.Finish();
        var size = sink.Length;
        var facts = lookup.Facts;
        if (lifetime.Aborted || (Sha256Key.Normalize(facts.Sha256) is { } published && published != sha256)
            || (facts.ContentLength is { } expected and >= 0 && expected != size))
        {
            // The downloader aborts a body that fails its checks (hash, length, stall, a host that broke off).
            throw GatewayException.SourceFailed(lifetime.Aborted && Sha256Key.Normalize(facts.Sha256) is null && facts.ContentLength is null
                    ? ErrorCodes.NetworkError : ErrorCodes.ContentChanged,
                "The file host's body did not check out against the file's published facts (hash, length) or broke off; nothing was kept.");
        }
        var contentType = context.Response.ContentType ?? facts.ContentType ?? "application/octet-stream";
        if (!await library.ExistsAsync(sha256, cancellationToken))
        {
            file.Position = 0;
            var stored = await library.PutAsync(sha256, file, size, cancellationToken);
            if (!stored.Stored)
            {
                throw new GatewayException(StatusCodes.Status503ServiceUnavailable, ErrorCodes.ServiceUnavailable,
                    "The library's store could not keep the file (no room, or it is not writable).");
            }
        }
        var blob = await assets.AddBlobAsync(new BlobRecord(sha256, size, contentType, BlobKinds.File,
            facts with { Sha256 = sha256, ContentLength = size, PreviewImage = null }, caller.Name, time.GetUtcNow()),
            cancellationToken);
        return new ImportedFile(blob, FileNameOf(facts, url), contentType, Downloaded: true);
    }

    /// <summary>The pipeline's facts and the caller's verdict: a refusal is 403 with the verdict's first code, before anything is fetched.</summary>
    public async Task<AssetLookup> LookUpAsync(Uri url, Caller caller, CancellationToken cancellationToken)
    {
        var lookup = await pipeline.LookUpAsync(url, caller, cancellationToken);
        if (!lookup.Verdict.IsValid)
        {
            var first = lookup.Verdict.Errors[0];
            throw new GatewayException(StatusCodes.Status403Forbidden, first.Code, first.Message);
        }
        return lookup;
    }

    /// <summary>The blob the facts' published SHA-256 names, when the library records it and its store still holds it.</summary>
    public async Task<BlobRecord?> FindStoredAsync(AssetFacts facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return Sha256Key.Normalize(facts.Sha256) is { } sha256
            && await assets.FindBlobAsync(sha256, cancellationToken) is { } blob
            && await library.ExistsAsync(sha256, cancellationToken)
            ? blob
            : null;
    }

    /// <summary>The name the file is known by: the facts' file name, else the URL's last segment.</summary>
    public static string FileNameOf(AssetFacts facts, Uri url)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(url);
        var name = facts.Filename ?? Uri.UnescapeDataString(url.Segments.LastOrDefault() ?? string.Empty).Trim('/');
        return SafeName(string.IsNullOrWhiteSpace(name) ? "download" : name);
    }

    /// <summary>A bare file name: no directory part, no control characters (it becomes a path in the ComfyUI tree).</summary>
    public static string SafeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var bare = name.Replace('\\', '/');
        bare = bare[(bare.LastIndexOf('/') + 1)..];
        bare = new string([.. bare.Where(c => !char.IsControl(c))]).Trim();
        return bare is "" or "." or ".." ? "download" : bare.Length > AssetRequests.MaxNameLength ? bare[..AssetRequests.MaxNameLength] : bare;
    }

    /// <summary>A request for the file as the caller would make it, answered into <paramref name="sink"/>.</summary>
    private DefaultHttpContext DownloadContext(Caller caller, Stream sink, CancellationToken cancellationToken, out ImportLifetime lifetime)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.SetCaller(caller);
        context.Request.Method = HttpMethods.Get;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("library.internal");
        context.Request.Path = "/api/assets/download";
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        context.Response.Body = sink;
        lifetime = new ImportLifetime(cancellationToken);
        context.Features.Set<IHttpRequestLifetimeFeature>(lifetime);
        return context;
    }

    /// <summary>The download's lifetime: the task's cancellation, and whether the downloader aborted the body.</summary>
    private sealed class ImportLifetime(CancellationToken cancellationToken) : IHttpRequestLifetimeFeature
    {
        public CancellationToken RequestAborted { get; set; } = cancellationToken;

        public bool Aborted { get; private set; }

        public void Abort() => Aborted = true;
    }

    /// <summary>
    /// Where the downloader writes: the file (hashed and counted as it arrives) for a 200, a small buffer for an error
    /// answer (its <c>{code, message}</c> becomes the task's error).
    /// </summary>
    private sealed class ImportSink(FileStream file, StrongBox<long> progress) : Stream
    {
        private const int MaxErrorBody = 16 * 1024;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly MemoryStream _error = new();
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public string Finish()
        {
            file.Flush(flushToDisk: false);
            return Convert.ToHexStringLower(_hash.GetHashAndReset());
        }

        public GatewayException RefusalOf(int status)
        {
            try
            {
                var error = JsonSerializer.Deserialize<ErrorResponse>(_error.ToArray(), GatewayJson.Options);
                if (error is { Code: { } code, Message: { } message })
                {
                    return new GatewayException(status, code, message);
                }
            }
            catch (JsonException)
            {
            }
            return GatewayException.SourceFailed(ErrorCodes.HttpError, $"The download was answered {status}.");
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Owner?.Response.StatusCode is { } status && status != StatusCodes.Status200OK)
            {
                if (_error.Length + buffer.Length <= MaxErrorBody)
                {
                    _error.Write(buffer.Span);
                }
                return;
            }
            _hash.AppendData(buffer.Span);
            await file.WriteAsync(buffer, cancellationToken);
            _length += buffer.Length;
            Interlocked.Exchange(ref progress.Value, _length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        /// <summary>The context whose status tells a file from an error answer (set before the first write).</summary>
        public HttpContext? Owner { get; set; }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
                _error.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
