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

    /// <summary>Whether this source answers for <paramref name="url"/> (by host). The generic source answers for any.</summary>
    bool CanHandle(Uri url);

    /// <summary>
    /// Checks the URL's shape without network access and returns the key its facts are cached under (no secrets in
    /// it). Throws a 400 <see cref="Primitives.GatewayException"/> for a URL this source cannot read.
    /// </summary>
    string CacheKey(Uri url);

    /// <summary>
    /// Asks the upstream. <paramref name="blockedHosts"/>: host patterns no redirect may lead to (the base policy's
    /// <c>BlockedHosts</c>), set on every egress request of the probe.
    /// </summary>
    Task<ProbeResult> ProbeAsync(Uri url, IReadOnlyList<string> blockedHosts, CancellationToken cancellationToken);

    /// <summary>
    /// Where the bytes of the file <paramref name="url"/> names are read from, derived without network access from the
    /// URL and its (cached) <paramref name="facts"/>: the same location the probe used, with the credentials this source
    /// adds for its own hosts. Nothing of it is cached.
    /// </summary>
    ContentLocation Locate(Uri url, AssetFacts facts);

    /// <summary>
    /// Whether <paramref name="url"/> asks for a file's bytes rather than an API answer or a page (CivitAI's download
    /// endpoint, a Hugging Face <c>resolve</c> URL): what a forwarding route that enforces policy serves as a download.
    /// </summary>
    bool IsFileRequest(Uri url);
}

/// <summary>What a probe learned, and where the file's bytes can be read from for content checks.</summary>
internal sealed record ProbeResult(AssetFacts Facts, ContentLocation? Content);

/// <summary>
/// How to fetch the file's bytes: the download URL and the credentials to add to requests for its own host (they
/// must not follow a redirect to storage or a CDN). <paramref name="Trusted"/>: the URL is on the named source's own
/// <c>BaseUrl</c> origin, so reading it is an <see cref="Egress.EgressRequest.Trusted"/> request; never for a user's URL.
/// </summary>
internal sealed record ContentLocation(Uri Url, Action<HttpRequestMessage>? Authorize = null, bool Trusted = false);
