using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelGateway.Egress;
using ModelGateway.Primitives;
using ModelGateway.Policies;

namespace ModelGateway.Sources.HuggingFace;

/// <summary>
/// Hugging Face resolve/blob URLs. One HEAD on the resolve URL that stops at the redirect to the CDN (its
/// <c>X-Linked-*</c> headers carry the true size and sha256), and — at the same time — the Hub API for the
/// repository's tags. The file itself is never downloaded.
/// </summary>
internal sealed partial class HuggingFaceSource(
    EgressClient egress,
    IOptionsMonitor<HuggingFaceOptions> options,
    ILogger<HuggingFaceSource> logger) : IMetadataSource
{
    public const string SourceName = "huggingface";

    private const string OctetStream = "application/octet-stream";

    public string Name => SourceName;

    /// <summary>The Hub's answer describes the file: the commit, its sha256 (<c>X-Linked-Etag</c>), its size, its ETag.</summary>
    public IReadOnlyList<string> FileHeaders { get; } = ["X-Repo-Commit", "X-Linked-Etag", "X-Linked-Size", "ETag"];

    /// <summary>Its cache key is the canonical resolve URL: hf.co and huggingface.co, blob and resolve, with or without a query, share it.</summary>
    public SourceRef? TryRecognize(Uri url) =>
        options.CurrentValue.Recognizes(url) ? Reference(url, HuggingFaceUrl.Parse(url)) : null;

    /// <summary><c>resolve</c> URLs serve a file; <c>blob</c> is its HTML page, and everything else the Hub's API and site.</summary>
    public SourceRef? TryRecognizeFile(Uri url) =>
        HuggingFaceUrl.TryParse(url, out var file, out _) && file.IsResolve ? Reference(url, file) : null;

    public async Task<ProbeResult> ProbeAsync(SourceRef asset, ProbeScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(asset);
        ArgumentNullException.ThrowIfNull(scope);
        var url = asset.Url;
        var file = SourceRef<HuggingFaceUrl>.Of(asset, this);
        var settings = options.CurrentValue;
        var content = Content(settings, url, file);
        var resolveUrl = content.Url;
        var apiUrl = new Uri(Origin(settings, url) + file.ApiPath + HuggingFaceRepoInfo.ExpandQuery);
        var authorize = content.Authorize!;

        // Independent requests: run them side by side so the probe costs one round trip, not two.
        var headTask = HeadAsync(file, resolveUrl, authorize, scope, cancellationToken);
        var repoTask = RepoInfoAsync(file, apiUrl, authorize, scope, cancellationToken);
        await Task.WhenAll(headTask, repoTask);
        var head = await headTask;
        var repo = await repoTask;

        var filename = FileNames.Sanitize(file.FileName);
        var format = ModelFormats.FromFileName(filename);
        var folder = HuggingFaceFolders.FromPath(file.PathSegments)
            ?? (format == ModelFormat.Other ? null : HuggingFaceFolders.FromRepoTags(repo?.Tags));
        var facts = new AssetFacts
        {
            Source = SourceName,
            ContentLength = head.Size,
            ContentType = head.ContentType,
            Filename = filename,
            Name = FileNames.Stem(filename),
            ModelFolder = folder,
            Format = format,
            Sha256 = head.Sha256,
            FinalUrl = head.Location.CanonicalUrl.AbsoluteUri,
        };
        return new ProbeResult(facts, content);
    }

    /// <summary>The resolve URL on the configured origin, with the configured token for Hugging Face hosts only.</summary>
    public ContentLocation Locate(SourceRef asset, AssetFacts facts) =>
        Content(options.CurrentValue, asset.Url, SourceRef<HuggingFaceUrl>.Of(asset, this));

    private SourceRef<HuggingFaceUrl> Reference(Uri url, HuggingFaceUrl file) => new(this, url, file.CanonicalUrl.AbsoluteUri, file);

    private static ContentLocation Content(HuggingFaceOptions settings, Uri url, HuggingFaceUrl file) =>
        new(new Uri(Origin(settings, url) + file.ResolvePath), settings.Authorizer(settings.Token), Trusted: true);

    private async Task<HeadFacts> HeadAsync(HuggingFaceUrl file, Uri resolveUrl, Action<HttpRequestMessage> authorize, ProbeScope scope,
        CancellationToken cancellationToken)
    {
        var tokenSent = false;
        var request = scope.Request(HttpMethod.Head, resolveUrl, message =>
        {
            authorize(message);
            tokenSent = message.Headers.Authorization is not null; // of the hop that answers last
        }) with
        {
            // Same-host redirects (renamed repos, /api/resolve-cache/...) are followed; the redirect to the CDN is
            // the answer, because its X-Linked-* headers describe the file and the CDN must not see the token.
            Redirects = RedirectMode.SameHostOnly,
            Trusted = true, // the resolve URL is on this source's own BaseUrl origin
        };
        using var response = await egress.SendAsync(request, cancellationToken);
        var message = response.Message;
        var isRedirect = response.StatusCode is 301 or 302 or 303 or 307 or 308;
        if (!isRedirect && !response.IsSuccess)
        {
            throw Failure(file, response.StatusCode, Header(message, "X-Error-Code"), tokenSent);
        }
        if (isRedirect && message.Headers.Location is null)
        {
            throw GatewayException.SourceFailed(ErrorCodes.HttpError, $"Hugging Face answered {response.StatusCode} without a Location.");
        }

        var size = ParseSize(Header(message, "X-Linked-Size"))
            ?? (isRedirect ? null : EgressBody.SizeOf(message)); // a redirect's Content-Length is its own body's
        var sha256 = Sha256FromEtag(Header(message, "X-Linked-Etag"));
        var contentType = isRedirect ? OctetStream : message.Content.Headers.ContentType?.MediaType ?? OctetStream;
        var location = CanonicalLocation(file, response.Hops);
        var redirectHost = message.Headers.Location is { IsAbsoluteUri: true } target ? target.Host : "-";
        Log.Resolved(logger, location.RepoId, response.StatusCode, redirectHost,
            Header(message, "X-Repo-Commit") ?? "-", size ?? -1);
        return new HeadFacts(size, sha256, contentType, location);
    }

    private async Task<HuggingFaceRepoInfo?> RepoInfoAsync(HuggingFaceUrl file, Uri apiUrl, Action<HttpRequestMessage> authorize,
        ProbeScope scope, CancellationToken cancellationToken)
    {
        // The file's facts come from the HEAD; the repository's are extras, so any failure here only loses them.
        try
        {
            var request = scope.Request(HttpMethod.Get, apiUrl, message =>
            {
                authorize(message);
                message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            }) with
            {
                Redirects = RedirectMode.SameHostOnly,
                Trusted = true,
            };
            using var response = await egress.SendAsync(request, cancellationToken);
            if (!response.IsSuccess)
            {
                Log.RepoInfoUnavailable(logger, file.RepoId, $"status {response.StatusCode}");
                return null;
            }
            var body = await response.ReadJsonBodyAsync(cancellationToken);
            var info = JsonSerializer.Deserialize<HuggingFaceRepoInfo>(body, HuggingFaceRepoInfo.JsonOptions);
            if (info is not null)
            {
                Log.RepoInfo(logger, file.RepoId, info.PipelineTag ?? "-", info.LibraryName ?? "-", info.IsGated);
            }
            return info;
        }
        catch (EgressException ex)
        {
            Log.RepoInfoUnavailable(logger, file.RepoId, ex.Failure.ToString());
            return null;
        }
        catch (JsonException)
        {
            Log.RepoInfoUnavailable(logger, file.RepoId, "malformed JSON");
            return null;
        }
    }

    /// <summary>X-Error-Code first (it tells a gated repo from a missing one), then the status.</summary>
    private static GatewayException Failure(HuggingFaceUrl file, int status, string? errorCode, bool tokenSent)
    {
        var repo = $"{file.UrlPrefix}{file.RepoId}";
        var (code, message) = (errorCode, status) switch
        {
            // The Hub answers 401 RepoNotFound for private repos too, when the caller has no access.
            ("RepoNotFound", 401 or 404) => (ErrorCodes.ResourceNotFound,
                $"The Hugging Face repository {repo} does not exist or is private."),
            ("RevisionNotFound", 404) => (ErrorCodes.ResourceNotFound,
                $"The Hugging Face repository {repo} has no revision \"{file.Revision}\"."),
            ("EntryNotFound", 404) => (ErrorCodes.ResourceNotFound,
                $"The Hugging Face repository {repo} has no file \"{file.FilePath}\" at revision \"{file.Revision}\"."),
            ("GatedRepo", 401) when !tokenSent => (ErrorCodes.UnauthorizedSource,
                $"The Hugging Face repository {repo} is gated: the gateway needs a token of an account that was granted access (Sources:HuggingFace:Token)."),
            (_, 401) => (ErrorCodes.UnauthorizedSource, tokenSent
                ? $"Hugging Face refused the gateway's token for {repo}."
                : $"Hugging Face requires authentication for {repo}."),
            ("GatedRepo", 403) when tokenSent => (ErrorCodes.UserTokenAccessDenied,
                $"The Hugging Face repository {repo} is gated and the gateway's token has not been granted access."),
            (_, 403) when tokenSent => (ErrorCodes.UserTokenAccessDenied,
                $"Hugging Face forbids the gateway's token access to {repo}."),
            (_, 403) => (ErrorCodes.AccessForbidden, $"Hugging Face forbids access to {repo}."),
            (_, 404 or 410) => (ErrorCodes.ResourceNotFound,
                $"Hugging Face has no file \"{file.FilePath}\" in {repo} at revision \"{file.Revision}\"."),
            (_, 429) => (ErrorCodes.RateLimited, "Hugging Face is rate limiting the gateway's requests."),
            (_, >= 500) => (ErrorCodes.SourceServerError, $"Hugging Face answered {status}: a server error."),
            _ => (ErrorCodes.HttpError, $"Hugging Face answered {status}."),
        };
        return GatewayException.SourceFailed(code, message);
    }

    /// <summary>
    /// The file's canonical location: that of the last hop that is still a resolve URL — so a renamed repository is
    /// reported under its new name — else the URL the user gave (e.g. after <c>/api/resolve-cache/…</c>).
    /// </summary>
    private static HuggingFaceUrl CanonicalLocation(HuggingFaceUrl requested, IReadOnlyList<Uri> hops)
    {
        for (var i = hops.Count - 1; i > 0; i--)
        {
            if (HuggingFaceUrl.TryParse(hops[i], out var moved, out _))
            {
                return moved;
            }
        }
        return requested;
    }

    /// <summary>BaseUrl's scheme, host and port (config/README.md, "Sources"); the URL's own origin when none is set.</summary>
    private static string Origin(HuggingFaceOptions settings, Uri url) =>
        Uri.TryCreate(settings.BaseUrl, UriKind.Absolute, out var baseUrl)
            ? baseUrl.GetLeftPart(UriPartial.Authority)
            : url.GetLeftPart(UriPartial.Authority);

    private static string? Header(HttpResponseMessage message, string name) =>
        message.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;

    private static long? ParseSize(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : null;

    /// <summary>X-Linked-Etag of an LFS/xet file is its sha256, quoted and perhaps weak (<c>W/"…"</c>).</summary>
    internal static string? Sha256FromEtag(string? etag)
    {
        if (string.IsNullOrWhiteSpace(etag))
        {
            return null;
        }
        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.OrdinalIgnoreCase))
        {
            value = value[2..];
        }
        value = value.Trim('"');
        return value.Length == 64 && value.All(char.IsAsciiHexDigit) ? value.ToLowerInvariant() : null;
    }

    private sealed record HeadFacts(long? Size, string? Sha256, string ContentType, HuggingFaceUrl Location);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug,
            "Hugging Face resolved {Repo}: status {Status}, redirect host {RedirectHost}, commit {Commit}, size {Size}.",
            EventName = "HuggingFaceResolved")]
        public static partial void Resolved(ILogger logger, string repo, int status, string redirectHost, string commit, long size);

        [LoggerMessage(2, LogLevel.Debug,
            "Hugging Face repo {Repo}: pipeline {PipelineTag}, library {Library}, gated {Gated}.",
            EventName = "HuggingFaceRepoInfo")]
        public static partial void RepoInfo(ILogger logger, string repo, string pipelineTag, string library, bool gated);

        [LoggerMessage(3, LogLevel.Information,
            "Hugging Face repo facts for {Repo} unavailable ({Reason}); answering from the file's headers only.",
            EventName = "HuggingFaceRepoInfoUnavailable")]
        public static partial void RepoInfoUnavailable(ILogger logger, string repo, string reason);
    }
}
