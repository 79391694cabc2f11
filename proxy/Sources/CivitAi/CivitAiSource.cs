using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelGateway.Egress;
using ModelGateway.Primitives;
using ModelGateway.Policies;

namespace ModelGateway.Sources.CivitAi;

/// <summary>
/// CivitAI: every URL shape a user pastes is answered from the public metadata API
/// (<c>/api/v1/model-versions/{id}</c>, <c>/api/v1/models/{id}</c>). The download endpoint
/// (<c>/api/download/models/{id}</c>), which CivitAI may count as a download, is touched to confirm a token's access
/// to a gated version (its redirect not followed) and — with <c>Policy:VerifyContent</c> on — by the content check,
/// which GETs the file's first bytes through it with a Range request (following the redirect to storage).
/// </summary>
internal sealed partial class CivitAiSource(
    EgressClient egress,
    IOptionsMonitor<CivitAiOptions> options,
    TimeProvider timeProvider,
    ILogger<CivitAiSource> logger) : IMetadataSource
{
    public const string SourceName = "civitai";

    private const int MaxErrorBytes = 16 * 1024;
    private const int MaxDetailLength = 200;
    private const int MaxNameLength = 512;

    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");

    public string Name => SourceName;

    public IReadOnlyList<string> FileHeaders => [];

    public SourceRef? TryRecognize(Uri url) => options.CurrentValue.Recognizes(url) ? Reference(url) : null;

    /// <summary>Only the download endpoint (<c>/api/download/models/{id}</c>) serves a file; the rest is CivitAI's API and site.</summary>
    public SourceRef? TryRecognizeFile(Uri url) => CivitAiUrl.IsDownloadPath(url) ? Reference(url) : null;

    public async Task<ProbeResult> ProbeAsync(SourceRef asset, ProbeScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var settings = options.CurrentValue;
        var parsed = SourceRef<CivitAiUrl>.Of(asset, this);
        var token = parsed.Token ?? (string.IsNullOrEmpty(settings.Token) ? null : settings.Token);
        var probe = new Probe(settings, settings.Authorizer(token), token is not null, scope);

        var versionId = parsed.VersionId ?? await NewestVersionAsync(probe, parsed.ModelId!.Value, cancellationToken);
        var version = await GetJsonAsync<CivitAiModelVersion>(probe, $"/api/v1/model-versions/{versionId}", $"model version {versionId}",
            cancellationToken);

        if (version.Model?.Mode is { Length: > 0 } mode)
        {
            throw GatewayException.SourceFailed(ErrorCodes.ResourceNotFound,
                $"CivitAI model version {versionId} is not available for download (model {mode}).");
        }
        var files = version.Files ?? [];
        var file = CivitAiFiles.Select(files, parsed.Selectors) ?? throw GatewayException.SourceFailed(ErrorCodes.ResourceNotFound,
            files.Count == 0
                ? $"CivitAI model version {versionId} has no downloadable files."
                : $"CivitAI model version {versionId} has no file matching {parsed.Selectors.ToQuery()}.");

        // Selected by the URL: keep its selectors. Picked by us and not the one CivitAI serves by default: name it.
        var selectors = !parsed.Selectors.IsEmpty || file.Primary == true
            ? parsed.Selectors
            : new CivitAiFileSelectors(file.Type, file.Metadata?.Format, file.Metadata?.Size, file.Metadata?.Fp);
        var pathAndQuery = CivitAiUrl.DownloadPathAndQuery(versionId, selectors);
        var content = Content(settings, probe.Authorize, pathAndQuery);

        await CheckAccessAsync(probe, versionId, version, content, cancellationToken);

        var filename = FileNames.Sanitize(file.Name);
        var (modelType, folder) = CivitAiFiles.Classify(version.Model?.Type, file.Type);
        var facts = new AssetFacts
        {
            Source = SourceName,
            NamedBySource = true,
            ContentLength = file.SizeKB is >= 0 and < 9e15 and var kb ? (long)Math.Round(kb * 1024, MidpointRounding.AwayFromZero) : null,
            ContentType = "application/octet-stream",
            Filename = filename,
            Name = DisplayName(version) ?? FileNames.Stem(filename),
            ModelType = modelType,
            ModelFolder = folder,
            Format = ModelFormats.TryParse(file.Metadata?.Format, out var format) ? format : ModelFormats.FromFileName(filename),
            Sha256 = Sha256(file),
            PickleScan = Scan(file.PickleScanResult),
            VirusScan = Scan(file.VirusScanResult),
            FinalUrl = new Uri(CivitAiUrl.CanonicalOrigin, pathAndQuery).AbsoluteUri,
        };
        var preview = PreviewUrl(probe, version.Images);
        Log.Probed(logger, versionId, file.Id ?? 0, modelType ?? "-", folder ?? "-", preview is not null);
        return new ProbeResult(facts, content) { PreviewUrl = preview };
    }

    /// <summary>
    /// The download endpoint of the version and file the probe chose (the path and query of the facts' credential-free
    /// <c>final_url</c>), on the API origin, with the URL's own <c>?token=</c> or the configured token for CivitAI hosts.
    /// </summary>
    public ContentLocation Locate(SourceRef asset, AssetFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var settings = options.CurrentValue;
        var token = SourceRef<CivitAiUrl>.Of(asset, this).Token ?? (string.IsNullOrEmpty(settings.Token) ? null : settings.Token);
        var canonical = new Uri(facts.FinalUrl ?? throw new ArgumentException("CivitAI facts always name their download URL.", nameof(facts)));
        return Content(settings, settings.Authorizer(token), canonical.PathAndQuery);
    }

    private SourceRef<CivitAiUrl> Reference(Uri url)
    {
        var parsed = CivitAiUrl.Parse(url);
        return new SourceRef<CivitAiUrl>(this, url, parsed.CacheKey, parsed);
    }

    private static ContentLocation Content(CivitAiOptions settings, Action<HttpRequestMessage> authorize, string pathAndQuery) =>
        new(new Uri(settings.ApiOrigin, pathAndQuery), authorize, Trusted: true);

    private async Task<long> NewestVersionAsync(Probe probe, long modelId, CancellationToken cancellationToken)
    {
        var model = await GetJsonAsync<CivitAiModel>(probe, $"/api/v1/models/{modelId}", $"model {modelId}", cancellationToken);
        if (model.Mode is { Length: > 0 } mode)
        {
            throw GatewayException.SourceFailed(ErrorCodes.ResourceNotFound, $"CivitAI model {modelId} is not available for download (model {mode}).");
        }
        // CivitAI lists versions newest first, as comfy-cli relies on.
        return model.ModelVersions?.FirstOrDefault(v => v.Id > 0)?.Id
            ?? throw GatewayException.SourceFailed(ErrorCodes.ResourceNotFound, $"CivitAI model {modelId} has no published versions.");
    }

    private async Task<T> GetJsonAsync<T>(Probe probe, string path, string what, CancellationToken cancellationToken) where T : class
    {
        var request = probe.Scope.Request(HttpMethod.Get, new Uri(probe.Settings.ApiOrigin, path), message =>
        {
            message.Headers.Accept.Add(Json);
            probe.Authorize(message);
        }) with
        {
            Trusted = true, // the API origin is this source's own BaseUrl
        };
        using var response = await egress.SendAsync(request, cancellationToken);
        if (!response.IsSuccess)
        {
            throw await FailureAsync(response, what, probe.HasToken, cancellationToken);
        }
        var body = await response.ReadJsonBodyAsync(cancellationToken);
        try
        {
            return JsonSerializer.Deserialize<T>(body, CivitAiJson.Options)
                ?? throw GatewayException.SourceFailed(ErrorCodes.MetadataFetchFailed, $"CivitAI's answer for {what} is empty.");
        }
        catch (JsonException ex)
        {
            throw GatewayException.SourceFailed(ErrorCodes.MetadataFetchFailed, $"CivitAI's answer for {what} is not the expected JSON.", ex);
        }
    }

    /// <summary>
    /// Gated versions: without a token the answer is known; with one, only the download endpoint can say whether
    /// this account has access. Its redirect is not followed (storage is never contacted, the token never leaves).
    /// </summary>
    private async Task CheckAccessAsync(Probe probe, long versionId, CivitAiModelVersion version, ContentLocation content, CancellationToken cancellationToken)
    {
        var earlyAccessEnds = EarlyAccessEnds(version);
        var requiresLogin = version.RequireAuth == true;
        if (earlyAccessEnds is null && !requiresLogin)
        {
            return;
        }
        if (!probe.HasToken)
        {
            throw earlyAccessEnds is { } ends
                ? GatewayException.SourceFailed(ErrorCodes.AccessForbidden, ends == DateTimeOffset.MaxValue
                    ? $"CivitAI model version {versionId} is in Early Access: only accounts that bought access can download it."
                    : string.Create(CultureInfo.InvariantCulture,
                        $"CivitAI model version {versionId} is in Early Access until {ends:u}: only accounts that bought access can download it."))
                : GatewayException.SourceFailed(ErrorCodes.UnauthorizedSource,
                    $"The creator of CivitAI model version {versionId} requires a login to download it: set Sources:CivitAI:Token or add ?token= to the URL.");
        }
        Log.CheckingAccess(logger, versionId);
        using var response = await egress.SendAsync(
            probe.Scope.Request(HttpMethod.Get, content.Url, content.Authorize) with
            {
                Redirects = RedirectMode.None,
                Trusted = content.Trusted,
            },
            cancellationToken);
        if (response.StatusCode is < 200 or >= 400)
        {
            throw await FailureAsync(response, $"model version {versionId}'s download", probe.HasToken, cancellationToken);
        }
    }

    private DateTimeOffset? EarlyAccessEnds(CivitAiModelVersion version)
    {
        if (version.EarlyAccessEndsAt is { } ends)
        {
            return ends > timeProvider.GetUtcNow() ? ends : null;
        }
        return string.Equals(version.Availability, "EarlyAccess", StringComparison.OrdinalIgnoreCase) ? DateTimeOffset.MaxValue : null;
    }

    /// <summary>CivitAI's status and its JSON error body (<c>{"error": …, "message": …}</c>) → a 422 of docs/api.md.</summary>
    private static async Task<GatewayException> FailureAsync(EgressResponse response, string what, bool hasToken, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var code = SourceFailures.CodeFor(status);
        var detail = await ErrorDetailAsync(response.Message, cancellationToken);
        var hint = status == 401
            ? hasToken ? " The token was not accepted." : " Set Sources:CivitAI:Token or add ?token= to the URL."
            : string.Empty;
        return GatewayException.SourceFailed(code, detail is null
            ? $"CivitAI answered {status} for {what}.{hint}"
            : $"CivitAI answered {status} for {what}: {detail}.{hint}");
    }

    private static async Task<string?> ErrorDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await EgressBody.ReadHeadAsync(response, MaxErrorBytes, cancellationToken);
            var error = JsonSerializer.Deserialize<CivitAiError>(body, CivitAiJson.Options);
            var text = error?.Error.ValueKind == JsonValueKind.String ? error.Error.GetString() : null;
            if (!string.IsNullOrWhiteSpace(error?.Message))
            {
                text = string.IsNullOrWhiteSpace(text) ? error.Message : $"{text} ({error.Message})";
            }
            return Clean(text);
        }
        catch (Exception ex) when (ex is JsonException or EgressException)
        {
            return null; // not CivitAI's JSON (an HTML page, a proxy's error): the status alone says enough
        }
    }

    // The first image within Sources:CivitAI:MaxPreviewNsfwLevel, asked for at preview width.
    private static Uri? PreviewUrl(Probe probe, List<CivitAiImage>? images)
    {
        var image = images?.FirstOrDefault(i =>
            (i.Type is null || string.Equals(i.Type, "image", StringComparison.OrdinalIgnoreCase))
            && CivitAiNsfwLevels.IsAllowed(i.NsfwLevel, probe.Settings.PreviewNsfwMask)
            && Uri.TryCreate(i.Url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp));
        return image is null ? null : CivitAiImages.Small(new Uri(image.Url!, UriKind.Absolute));
    }

    private static string? DisplayName(CivitAiModelVersion version) =>
        DisplayText.Clean(string.Join(' ', new[] { version.Model?.Name, version.Name }.Where(p => !string.IsNullOrWhiteSpace(p))), MaxNameLength);

    private static string? Sha256(CivitAiFile file)
    {
        var hex = file.Hashes?.FirstOrDefault(h => string.Equals(h.Key, "SHA256", StringComparison.OrdinalIgnoreCase)).Value;
        return hex is { Length: 64 } && hex.All(char.IsAsciiHexDigit) ? Convert.ToHexStringLower(Convert.FromHexString(hex)) : null;
    }

    private static ScanResult Scan(string? result) =>
        Enum.TryParse<ScanResult>(result, ignoreCase: true, out var scan) && Enum.IsDefined(scan) && !int.TryParse(result, out _)
            ? scan
            : ScanResult.Unknown;

    private static string? Clean(string? text)
    {
        var clean = DisplayText.Clean(text, int.MaxValue)?.TrimEnd('.');
        if (string.IsNullOrEmpty(clean))
        {
            return null;
        }
        return clean.Length <= MaxDetailLength ? clean : DisplayText.Clean(clean, MaxDetailLength) + "…";
    }

    /// <summary>What every request of one probe shares: the settings read once, the token's authorizer, the redirect rules.</summary>
    private sealed record Probe(CivitAiOptions Settings, Action<HttpRequestMessage> Authorize, bool HasToken, ProbeScope Scope);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "CivitAI version {VersionId}: file {FileId}, type {ModelType}, folder {Folder}, preview {HasPreview}.",
            EventName = "CivitAiProbed")]
        public static partial void Probed(ILogger logger, long versionId, long fileId, string modelType, string folder, bool hasPreview);

        [LoggerMessage(2, LogLevel.Debug, "CivitAI version {VersionId} is gated; asking the download endpoint whether the token has access.",
            EventName = "CivitAiCheckingAccess")]
        public static partial void CheckingAccess(ILogger logger, long versionId);
    }
}
