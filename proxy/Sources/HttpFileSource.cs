using System.Net.Http.Headers;
using ModelGateway.Egress;
using ModelGateway.Policies;

namespace ModelGateway.Sources;

/// <summary>
/// Any HTTP(S) host, in one round trip: a Range GET of the file's head tells its size (Content-Range), type and
/// disposition, and brings the bytes the content check reads. HEAD only when the host refuses the Range GET or tells no
/// size with it. A server that ignores Range has its connection dropped once the head is read.
/// </summary>
internal sealed partial class HttpFileSource(EgressClient egress, ILogger<HttpFileSource> logger) : IMetadataSource
{
    public const string SourceName = "http";

    public string Name => SourceName;

    public IReadOnlyList<string> FileHeaders => [];

    /// <summary>
    /// Any URL. Its cache key is the whole URL, secrets included: a <c>?token=</c> can change what the host answers, so callers with different
    /// tokens must not share an entry. The cache stores only a hash of the key. Without a fragment (the usual case,
    /// asked on every lookup) the URL is its own key; only a fragment costs a rebuild.
    /// </summary>
    public SourceRef TryRecognize(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new SourceRef(this, url,
            url.Fragment.Length == 0 ? url.AbsoluteUri : new UriBuilder(url) { Fragment = string.Empty }.Uri.AbsoluteUri);
    }

    /// <summary>Any URL is a file's (the generic source serves no forwarding route).</summary>
    public SourceRef TryRecognizeFile(Uri url) => TryRecognize(url);

    public async Task<ProbeResult> ProbeAsync(SourceRef asset, ProbeScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(asset);
        ArgumentNullException.ThrowIfNull(scope);
        var url = asset.Url;
        // Without a content check one byte is enough to learn the size; its body is never read.
        var wanted = Math.Max(1, scope.HeadBytes);
        var ranged = await egress.SendAsync(scope.Request(HttpMethod.Get, url, m => m.Headers.Range = new RangeHeaderValue(0, wanted - 1)),
            cancellationToken);
        FileHead? head = null;
        try
        {
            var headers = ranged.Message.Content.Headers;
            if (ranged.StatusCode == 416 && headers.ContentRange?.Length is { } length)
            {
                // "bytes */0": the only file a range from 0 cannot be satisfied for is an empty one. The answer's
                // Content-Type is its error body's, not the file's.
                return Result(url, ranged, length, describesFile: false) with { Head = new FileHead(null, length, ranged: true) };
            }
            if (!ranged.IsSuccess && !RangeRefused(ranged.StatusCode))
            {
                throw SourceFailures.FromStatus(ranged.StatusCode);
            }
            if (!ranged.IsSuccess || (ranged.StatusCode == 206 && headers.ContentRange?.From != 0))
            {
                Log.FallingBackToHead(logger, url.Host, ranged.StatusCode);
                return await HeadAsync(url, scope, cancellationToken);
            }

            // An encoded body is not the file's bytes, and a Content-Range or Content-Length then measures the encoding.
            var encoded = EgressBody.IsEncoded(headers);
            var total = encoded ? null : ranged.StatusCode == 206 ? headers.ContentRange!.Length : headers.ContentLength;
            if (scope.HeadBytes > 0)
            {
                head = new FileHead(encoded ? null : ranged, total, ranged: ranged.StatusCode == 206);
            }
            if (total is null)
            {
                Log.FallingBackToHead(logger, url.Host, ranged.StatusCode);
                total = await SizeFromHeadAsync(url, scope, cancellationToken);
            }
            return Result(url, ranged, total) with { Head = head };
        }
        finally
        {
            if (head?.Response != ranged)
            {
                ranged.Dispose(); // the head's holder disposes it otherwise
            }
        }
    }

    // The host refused the Range GET: HEAD alone tells the facts, and the file's bytes cannot be read.
    private async Task<ProbeResult> HeadAsync(Uri url, ProbeScope scope, CancellationToken cancellationToken)
    {
        using var head = await egress.SendAsync(scope.Request(HttpMethod.Head, url), cancellationToken);
        if (!head.IsSuccess)
        {
            throw SourceFailures.FromStatus(head.StatusCode);
        }
        return Result(url, head, EgressBody.SizeOf(head.Message)) with { Head = new FileHead(null, null, ranged: false) };
    }

    // The GET told no size (chunked, "bytes 0-0/*"): HEAD may. Its failure only leaves the size unknown.
    private async Task<long?> SizeFromHeadAsync(Uri url, ProbeScope scope, CancellationToken cancellationToken)
    {
        using var head = await egress.SendAsync(scope.Request(HttpMethod.Head, url), cancellationToken);
        return head.IsSuccess ? EgressBody.SizeOf(head.Message) : null;
    }

    private static ProbeResult Result(Uri url, EgressResponse response, long? size, bool describesFile = true)
    {
        var contentHeaders = response.Message.Content.Headers;
        var filename = FileNames.FromContentDisposition(contentHeaders.ContentDisposition)
            ?? FileNameFromHops(response.Hops);
        var format = ModelFormats.FromFileName(filename);
        var facts = new AssetFacts
        {
            Source = SourceName,
            ContentLength = size,
            ContentType = describesFile ? contentHeaders.ContentType?.MediaType : null,
            Filename = filename,
            Name = FileNames.Stem(filename),
            Format = format,
            FinalUrl = UrlCredentials.CanonicalFinalUrl(response.Hops),
        };
        return new ProbeResult(facts, new ContentLocation(url));
    }

    /// <summary>The URL itself: a user's URL, never trusted, carrying no credentials but its own.</summary>
    public ContentLocation Locate(SourceRef asset, AssetFacts facts)
    {
        ArgumentNullException.ThrowIfNull(asset);
        return new(asset.Url);
    }

    // The URL the user gave usually names the file; a redirect target (storage key, CDN hash) rarely does.
    private static string? FileNameFromHops(IReadOnlyList<Uri> hops)
    {
        foreach (var hop in hops)
        {
            if (FileNames.FromUrl(hop) is { } name && Path.HasExtension(name))
            {
                return name;
            }
        }
        return FileNames.FromUrl(hops[0]) ?? FileNames.FromUrl(hops[^1]);
    }

    // Servers that do not implement Range (or GET with it) refuse it with these.
    private static bool RangeRefused(int status) => status is 400 or 405 or 416 or 501;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "The Range GET on {Host} answered {Status} or told no size; asking with HEAD.", EventName = "FallingBackToHead")]
        public static partial void FallingBackToHead(ILogger logger, string host, int status);
    }
}
