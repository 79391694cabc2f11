using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using ModelGateway.Primitives;

namespace ModelGateway.Sources.CivitAi;

/// <summary>
/// The file selectors CivitAI's download endpoint (<c>/api/download/models/{id}</c>) reads from its query: which of a
/// version's files is meant. All null: the version's primary file.
/// </summary>
internal sealed record CivitAiFileSelectors(string? Type = null, string? Format = null, string? Size = null, string? Fp = null,
    string? QuantType = null, long? FileId = null)
{
    public static readonly CivitAiFileSelectors None = new();

    public bool IsEmpty => this == None;

    /// <summary>The selectors as a query string (no leading '?'), in a fixed order so equal selections give equal keys.</summary>
    public string ToQuery()
    {
        var query = new StringBuilder();
        Append(query, "type", Type);
        Append(query, "format", Format);
        Append(query, "size", Size);
        Append(query, "fp", Fp);
        Append(query, "quantType", QuantType);
        Append(query, "fileId", FileId?.ToString(CultureInfo.InvariantCulture));
        return query.ToString();
    }

    private static void Append(StringBuilder query, string name, string? value)
    {
        if (value is null)
        {
            return;
        }
        if (query.Length > 0)
        {
            query.Append('&');
        }
        query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }
}

/// <summary>
/// A URL on a CivitAI host, read without network access: which version (or which model, meaning its newest
/// version), which file, and the user's own <c>?token=</c> if the pasted URL carries one.
/// </summary>
internal sealed record CivitAiUrl(long? VersionId, long? ModelId, CivitAiFileSelectors Selectors, string? Token)
{
    private const int MaxSelectorLength = 64;

    /// <summary>Where <c>final_url</c> points, whichever CivitAI host the user pasted.</summary>
    public static readonly Uri CanonicalOrigin = new("https://civitai.com");

    public const string AcceptedForms =
        "https://civitai.com/models/{modelId}[/{slug}][?modelVersionId={versionId}], "
        + "https://civitai.com/model-versions/{versionId}, "
        + "https://civitai.com/api/download/models/{versionId}[?type=&format=&size=&fp=&fileId=], "
        + "https://civitai.com/api/v1/model-versions/{versionId}, "
        + "https://civitai.com/api/v1/models/{modelId}";

    /// <summary>
    /// The key facts are cached under: version (with selectors) or model. Never the token itself — but a user's own
    /// token can unlock what others may not see (and a token-less answer may be "forbidden"), so answers obtained
    /// with a user token are kept apart under a hash of it.
    /// </summary>
    public string CacheKey => (VersionId is { } version
        ? string.Create(CultureInfo.InvariantCulture, $"civitai:version:{version}") + (Selectors.IsEmpty ? string.Empty : "?" + Selectors.ToQuery())
        : string.Create(CultureInfo.InvariantCulture, $"civitai:model:{ModelId}"))
        + (Token is null ? string.Empty : "#user:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Token)))[..16]);

    /// <summary>Reads <paramref name="url"/> or throws a 400 <c>INVALID_URL_FORMAT</c> naming the accepted forms.</summary>
    public static CivitAiUrl Parse(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var segments = url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var query = QueryHelpers.ParseQuery(url.Query);
        var token = ReadToken(query);

        if (Is(segments, "api", "download", "models") && segments.Length == 4)
        {
            return new CivitAiUrl(Id(segments[3]), null, ReadSelectors(query), token);
        }
        if ((Is(segments, "api", "v1", "model-versions") || Is(segments, "api", "v1", "modelVersions")) && segments.Length == 4)
        {
            return new CivitAiUrl(Id(segments[3]), null, CivitAiFileSelectors.None, token);
        }
        if (Is(segments, "api", "v1", "models") && segments.Length == 4)
        {
            return new CivitAiUrl(null, Id(segments[3]), CivitAiFileSelectors.None, token);
        }
        if (Is(segments, "model-versions") && segments.Length == 2)
        {
            return new CivitAiUrl(Id(segments[1]), null, CivitAiFileSelectors.None, token);
        }
        if (Is(segments, "models") && segments.Length is 2 or 3)
        {
            var modelId = Id(segments[1]);
            var version = First(query, "modelVersionId") ?? First(query, "version");
            return version is null
                ? new CivitAiUrl(null, modelId, CivitAiFileSelectors.None, token)
                : new CivitAiUrl(Id(version), modelId, CivitAiFileSelectors.None, token);
        }
        throw Invalid("This CivitAI URL does not name a model or a model version.");
    }

    /// <summary>Whether <paramref name="url"/> is the download endpoint, <c>/api/download/models/{versionId}</c> (any query).</summary>
    public static bool IsDownloadPath(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var segments = url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length == 4 && Is(segments, "api", "download", "models");
    }

    /// <summary>The canonical download URL's path and query: <c>/api/download/models/{id}[?selectors]</c>.</summary>
    public static string DownloadPathAndQuery(long versionId, CivitAiFileSelectors selectors)
    {
        ArgumentNullException.ThrowIfNull(selectors);
        var path = string.Create(CultureInfo.InvariantCulture, $"/api/download/models/{versionId}");
        return selectors.IsEmpty ? path : path + "?" + selectors.ToQuery();
    }

    private static bool Is(string[] segments, params string[] prefix) =>
        segments.Length >= prefix.Length
        && prefix.Select((p, i) => string.Equals(p, segments[i], StringComparison.OrdinalIgnoreCase)).All(match => match);

    private static long Id(string value)
    {
        if (value.Length is > 0 and <= 18 && value.All(char.IsAsciiDigit)
            && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
        {
            return id;
        }
        throw Invalid("A CivitAI model or version id must be a positive number.");
    }

    private static string? First(Dictionary<string, StringValues> query, string name) =>
        query.TryGetValue(name, out var values) && !string.IsNullOrWhiteSpace(values[0]) ? values[0]!.Trim() : null;

    private static string? ReadToken(Dictionary<string, StringValues> query)
    {
        if (!query.TryGetValue("token", out var values) || string.IsNullOrEmpty(values[0]))
        {
            return null;
        }
        // Never echo the value: it is a credential.
        return SourceOptions.IsValidToken(values[0]) ? values[0] : throw Invalid("The token parameter is not a valid CivitAI API token.");
    }

    private static CivitAiFileSelectors ReadSelectors(Dictionary<string, StringValues> query)
    {
        var fileId = First(query, "fileId");
        var selectors = new CivitAiFileSelectors(
            Selector(query, "type"), Selector(query, "format"), Selector(query, "size"), Selector(query, "fp"),
            Selector(query, "quantType"), fileId is null ? null : Id(fileId));
        return selectors.IsEmpty ? CivitAiFileSelectors.None : selectors;
    }

    private static string? Selector(Dictionary<string, StringValues> query, string name)
    {
        var value = First(query, name);
        return value is null || (value.Length <= MaxSelectorLength && !value.Any(char.IsControl))
            ? value
            : throw Invalid($"The {name} parameter is not a valid CivitAI file selector.");
    }

    private static GatewayException Invalid(string reason) =>
        GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, $"{reason} Accepted forms: {AcceptedForms}.");
}
