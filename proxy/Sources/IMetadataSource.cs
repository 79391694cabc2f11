using ModelGateway.Egress;
using ModelGateway.Policies;

namespace ModelGateway.Sources;

/// <summary>
/// A model host the gateway knows how to ask about a file (CivitAI, Hugging Face, any HTTP host). A source turns
/// a user's URL into <see cref="AssetFacts"/> without downloading the file.
/// </summary>
internal interface IMetadataSource
{
    /// <summary>Short name, also <see cref="AssetFacts.Source"/>: <c>http</c>, <c>civitai</c>, <c>huggingface</c>.</summary>
    string Name { get; }

    /// <summary>
    /// The headers of this source's own answer for a file (before any redirect to storage) that describe the file and
    /// stay on a download's answer — Hugging Face clients read them. Empty for most sources.
    /// </summary>
    IReadOnlyList<string> FileHeaders { get; }

    /// <summary>
    /// Reads <paramref name="url"/> once, without network access: null when its host is not this source's (the generic
    /// source takes any); else the reference every later step takes. Throws a 400 <see cref="Primitives.GatewayException"/>
    /// for a URL on this source's hosts whose shape it cannot read.
    /// </summary>
    SourceRef? TryRecognize(Uri url);

    /// <summary>
    /// For a forwarding route that serves this source (its hosts not asked again: the route chose the source): the
    /// reference of <paramref name="url"/> when it asks for a file's bytes rather than an API answer or a page (CivitAI's
    /// download endpoint, a Hugging Face <c>resolve</c> URL), else null. A file URL this source cannot read is a 400.
    /// </summary>
    SourceRef? TryRecognizeFile(Uri url);

    /// <summary>Asks the upstream about <paramref name="asset"/>, every request built by <paramref name="scope"/> (its host lists, its trail).</summary>
    Task<ProbeResult> ProbeAsync(SourceRef asset, ProbeScope scope, CancellationToken cancellationToken);

    /// <summary>
    /// Where the bytes of the file <paramref name="asset"/> names are read from, derived without network access from the
    /// reference and its (cached) <paramref name="facts"/>: the same location the probe used, with the credentials this
    /// source adds for its own hosts. Nothing of it is cached.
    /// </summary>
    ContentLocation Locate(SourceRef asset, AssetFacts facts);
}

/// <summary>What a probe learned, and where the file's bytes can be read from for content checks.</summary>
internal sealed record ProbeResult(AssetFacts Facts, ContentLocation? Content)
{
    /// <summary>The probe's own request for the file's head, when it made one (then the content check sends none).</summary>
    public FileHead? Head { get; init; }

    /// <summary>A preview image the source names for the file (fetched beside the content check, never with a token).</summary>
    public Uri? PreviewUrl { get; init; }
}

/// <summary>
/// The probe's own request for the file's first <see cref="ProbeScope.HeadBytes"/>, its body not yet read: the content
/// check reads it (within the probe's deadline, a stall or a broken read leaving the format unverified) instead of
/// asking again. Whoever holds the <see cref="ProbeResult"/> disposes it.
/// </summary>
internal sealed class FileHead(EgressResponse? response, long? total, bool ranged) : IDisposable
{
    /// <summary>
    /// The answer whose body starts with the file's first byte; null when there are none (a ranged <see cref="Total"/> of
    /// 0: an empty file) or they cannot be had (Range refused, an encoded body).
    /// </summary>
    public EgressResponse? Response { get; } = response;

    /// <summary>The file's size: the Content-Range total when <see cref="Ranged"/>, else a 200's Content-Length.</summary>
    public long? Total { get; } = total;

    public bool Ranged { get; } = ranged;

    public void Dispose() => Response?.Dispose();
}

/// <summary>
/// What every request of one probe shares: the host lists every hop is held to (the base policy's: facts are shared by
/// every caller), the trail of the hosts the file's requests went to (<see cref="AssetFacts.Hosts"/>), and how many of
/// the file's first bytes the content check wants (0 when it is off).
/// </summary>
internal sealed class ProbeScope(IReadOnlyList<string> allowedHosts, IReadOnlyList<string> blockedHosts, int headBytes)
{
    public IReadOnlyList<string> AllowedHosts { get; } = allowedHosts;

    public IReadOnlyList<string> BlockedHosts { get; } = blockedHosts;

    public int HeadBytes { get; } = headBytes;

    public HostTrail FileHosts { get; } = new();

    /// <summary>A request of this probe: held to its host lists, its hops recorded in <see cref="FileHosts"/>.</summary>
    public EgressRequest Request(HttpMethod method, Uri url, Action<HttpRequestMessage>? configure = null) =>
        new(method, url, configure) { AllowedHosts = AllowedHosts, BlockedHosts = BlockedHosts, Trail = FileHosts };
}

/// <summary>
/// How to fetch the file's bytes: the download URL and the credentials to add to requests for its own host (they
/// must not follow a redirect to storage or a CDN). <paramref name="Trusted"/>: the URL is on the named source's own
/// <c>BaseUrl</c> origin, so reading it is an <see cref="Egress.EgressRequest.Trusted"/> request; never for a user's URL.
/// </summary>
internal sealed record ContentLocation(Uri Url, Action<HttpRequestMessage>? Authorize = null, bool Trusted = false);
