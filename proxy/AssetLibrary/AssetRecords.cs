using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ModelGateway.Policies;

namespace ModelGateway.AssetLibrary;

/// <summary>What a blob is to the library: an image (a preview; checked as previews are) or a file (the caller's policy applies).</summary>
internal static class BlobKinds
{
    public const string Image = "image";

    public const string File = "file";
}

/// <summary>
/// One content in the library, by SHA-256: its size, type and the facts it was imported with (format, scans, hosts,
/// folder), on which every caller's policy is evaluated again on every request. Who brought it in first.
/// </summary>
internal sealed record BlobRecord(string Sha256, long Size, string? MimeType, string Kind, AssetFacts Facts, string CreatedBy,
    DateTimeOffset CreatedAt);

/// <summary>One reference to a blob: what the library lists, with its own name, tags and metadata, and who made it.</summary>
internal sealed record AssetRecord
{
    public required Guid Id { get; init; }

    public required BlobRecord Blob { get; init; }

    public required string Name { get; init; }

    public string? MimeType { get; init; }

    public required IReadOnlyList<string> Tags { get; init; }

    public required JsonObject UserMetadata { get; init; }

    public Guid? PreviewId { get; init; }

    /// <summary>The URL it was imported from, without credentials; null for an upload or a reference by hash.</summary>
    public string? SourceUrl { get; init; }

    public required string CreatedBy { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public required DateTimeOffset LastAccessTime { get; init; }
}

/// <summary>The records' JSON columns: facts with enum names (not numbers, which a reordered enum would change).</summary>
internal static class RecordJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The facts a blob keeps: no preview image (the asset's preview is its own asset).</summary>
    public static string SerializeFacts(AssetFacts facts) =>
        JsonSerializer.Serialize(facts with { PreviewImage = null }, Options);

    public static AssetFacts DeserializeFacts(string json) =>
        JsonSerializer.Deserialize<AssetFacts>(json, Options) ?? new AssetFacts();

    public static JsonObject DeserializeObject(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonNode.Parse(json) as JsonObject ?? [];

    public static long ToUnix(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromUnix(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
}
