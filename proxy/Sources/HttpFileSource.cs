using System.Net.Http.Headers;
using ModelGateway.Egress;
using ModelGateway.Policies;

namespace ModelGateway.Sources;

/// <summary>
/// Any HTTP(S) host: HEAD first, then a one-byte Range GET when HEAD is refused or tells no size. Never reads a
/// body: a server that ignores Range has its connection dropped after the headers.
/// </summary>
internal sealed partial class HttpFileSource(EgressClient egress, ILogger<HttpFileSource> logger) : IMetadataSource
{
    public const string SourceName = "http";

    public string Name => SourceName;

    public bool CanHandle(Uri url) => true;

    /// <summary>
    /// The whole URL, secrets included: a <c>?token=</c> can change what the host answers, so callers with different
    /// tokens must not share an entry. The cache stores only a hash of the key.
    /// </summary>
    public string CacheKey(Uri url) => new UriBuilder(url) { Fragment = string.Empty }.Uri.AbsoluteUri;

    public async Task<ProbeResult> ProbeAsync(Uri url, IReadOnlyList<string> blockedHosts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var head = await egress.SendAsync(new EgressRequest(HttpMethod.Head, url) { BlockedHosts = blockedHosts }, cancellationToken);
        using (head)
        {
            if (head.IsSuccess && EgressBody.SizeOf(head.Message) is { } size)
            {
                return Result(url, head, size);
            }
            if (!head.IsSuccess && !HeadRefused(head.StatusCode))
            {
                throw SourceFailures.FromStatus(head.StatusCode);
            }
            Log.FallingBackToRange(logger, url.Host, head.StatusCode);
        }

        using var ranged = await egress.SendAsync(
            new EgressRequest(HttpMethod.Get, url, m => m.Headers.Range = new RangeHeaderValue(0, 0)) { BlockedHosts = blockedHosts },
            cancellationToken);
        if (ranged.StatusCode == 416)
        {
            // "bytes */0": the only file a one-byte range cannot be satisfied for is an empty one. The answer's
            // Content-Type is its error body's, not the file's.
            return Result(url, ranged, ranged.Message.Content.Headers.ContentRange?.Length, describesFile: false);
        }
        if (!ranged.IsSuccess)
        {
            throw SourceFailures.FromStatus(ranged.StatusCode);
        }
        var total = ranged.StatusCode == 206
            ? ranged.Message.Content.Headers.ContentRange?.Length
            : EgressBody.SizeOf(ranged.Message); // Range ignored: the headers tell the size; the body is never read.
        return Result(url, ranged, total);
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
    public ContentLocation Locate(Uri url, AssetFacts facts) => new(url);

    public bool IsFileRequest(Uri url) => true;

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

    // Servers that do not implement HEAD, or that sign URLs for GET only, refuse HEAD with these.
    private static bool HeadRefused(int status) => status is 400 or 403 or 405 or 501;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "HEAD on {Host} answered {Status} or told no size; trying a Range GET.", EventName = "FallingBackToRange")]
        public static partial void FallingBackToRange(ILogger logger, string host, int status);
    }
}
