using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelGateway.Sources.CivitAi;

// The parts of CivitAI's public API answers the gateway reads. Every member is optional: the
// API omits fields by version, moderation state and host, and older answers lack newer fields.

/// <summary><c>GET /api/v1/model-versions/{id}</c>.</summary>
internal sealed class CivitAiModelVersion
{
    public long Id { get; set; }

    public long? ModelId { get; set; }

    public string? Name { get; set; }

    public string? Status { get; set; }

    /// <summary><c>Public</c>, <c>Unsearchable</c>, <c>Private</c>, <c>EarlyAccess</c>.</summary>
    public string? Availability { get; set; }

    public DateTimeOffset? EarlyAccessEndsAt { get; set; }

    /// <summary>The creator requires a logged-in account to download (sent by some endpoints only).</summary>
    public bool? RequireAuth { get; set; }

    public CivitAiModelSummary? Model { get; set; }

    public List<CivitAiFile>? Files { get; set; }

    public List<CivitAiImage>? Images { get; set; }
}

/// <summary>The version's <c>model</c> object.</summary>
internal sealed class CivitAiModelSummary
{
    public string? Name { get; set; }

    /// <summary>CivitAI's ModelType: <c>Checkpoint</c>, <c>LORA</c>, <c>TextualInversion</c>, …</summary>
    public string? Type { get; set; }

    /// <summary>Present only when moderated: <c>Archived</c> or <c>TakenDown</c>.</summary>
    public string? Mode { get; set; }
}

/// <summary>One entry of <c>files[]</c>.</summary>
internal sealed class CivitAiFile
{
    public long? Id { get; set; }

    /// <summary>The name the download is served under.</summary>
    public string? Name { get; set; }

    /// <summary>The file's role: <c>Model</c>, <c>Pruned Model</c>, <c>VAE</c>, <c>Training Data</c>, …</summary>
    public string? Type { get; set; }

    [JsonPropertyName("sizeKB")]
    public double? SizeKB { get; set; }

    public string? PickleScanResult { get; set; }

    public string? VirusScanResult { get; set; }

    public CivitAiFileMetadata? Metadata { get; set; }

    /// <summary>Upper-case hex by hash name: <c>SHA256</c>, <c>AutoV2</c>, <c>BLAKE3</c>, …</summary>
    public Dictionary<string, string?>? Hashes { get; set; }

    public bool? Primary { get; set; }
}

/// <summary>A file's <c>metadata</c>.</summary>
internal sealed class CivitAiFileMetadata
{
    public string? Format { get; set; }

    public string? Size { get; set; }

    public string? Fp { get; set; }

    public string? QuantType { get; set; }
}

/// <summary>One entry of <c>images[]</c>.</summary>
internal sealed class CivitAiImage
{
    public string? Url { get; set; }

    /// <summary>The raw <c>nsfwLevel</c>: a number here, a name (<c>Soft</c>, <c>Mature</c>) in other CivitAI endpoints.</summary>
    [JsonPropertyName("nsfwLevel")]
    public JsonElement NsfwLevelValue { get; set; }

    /// <summary>A single nsfwLevel bit (PG=1, PG13=2, R=4, X=8, XXX=16); null when unrated or not a number.</summary>
    [JsonIgnore]
    public int? NsfwLevel => NsfwLevelValue.ValueKind == JsonValueKind.Number && NsfwLevelValue.TryGetInt32(out var level) ? level : null;

    /// <summary><c>image</c>, <c>video</c> or <c>audio</c>; absent in older answers, which only had images.</summary>
    public string? Type { get; set; }
}

/// <summary><c>GET /api/v1/models/{id}</c>: only which versions it has, newest first.</summary>
internal sealed class CivitAiModel
{
    public long Id { get; set; }

    public string? Name { get; set; }

    public string? Mode { get; set; }

    public List<CivitAiVersionReference>? ModelVersions { get; set; }
}

/// <summary>An entry of a model's <c>modelVersions[]</c>.</summary>
internal sealed class CivitAiVersionReference
{
    public long Id { get; set; }
}

/// <summary>CivitAI's JSON error body: <c>{"error": "...", "message": "..."}</c>.</summary>
internal sealed class CivitAiError
{
    public JsonElement Error { get; set; }

    public string? Message { get; set; }
}

internal static class CivitAiJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };
}
