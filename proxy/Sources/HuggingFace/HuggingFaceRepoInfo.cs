using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelGateway.Sources.HuggingFace;

/// <summary>
/// The part of <c>GET /api/models/{repo}</c> (or <c>/api/datasets/…</c>, <c>/api/spaces/…</c>) the gateway reads.
/// The Hub answers it for gated repositories too: the gate applies to file content only.
/// </summary>
internal sealed record HuggingFaceRepoInfo
{
    /// <summary>The Hub's expand keys for exactly these fields, so the answer stays small (no <c>siblings</c> list).</summary>
    public const string ExpandQuery = "?expand=gated&expand=tags&expand=pipeline_tag&expand=library_name";

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary><c>false</c>, <c>"auto"</c> or <c>"manual"</c>.</summary>
    public JsonElement Gated { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    public string? PipelineTag { get; init; }

    public string? LibraryName { get; init; }

    [JsonIgnore]
    public bool IsGated => Gated.ValueKind is JsonValueKind.True or JsonValueKind.String;
}
