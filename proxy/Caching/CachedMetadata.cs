using System.Buffers;
using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Caching.Hybrid;
using ModelGateway.Policies;

namespace ModelGateway.Caching;

/// <summary>
/// One cache entry: the facts a probe learned, or a source's own failure answer (a negative entry). Never a verdict:
/// policy is evaluated on every request. Never a secret: facts carry credential-free URLs and failure messages
/// never carry tokens.
/// </summary>
[ImmutableObject(true)] // lets HybridCache hand out the same instance from memory instead of a copy
internal sealed record CachedMetadata
{
    /// <summary>The facts; null for a negative entry.</summary>
    public AssetFacts? Facts { get; init; }

    /// <summary>For a negative entry: the 422 code the source's answer maps to.</summary>
    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>When the source gave this answer.</summary>
    public DateTimeOffset AnsweredAt { get; init; }

    /// <summary>When this entry was written (a stale entry is rewritten without a new answer).</summary>
    public DateTimeOffset WrittenAt { get; init; }

    /// <summary>Until when the entry is served without asking the source.</summary>
    public DateTimeOffset FreshUntil { get; init; }

    /// <summary>Until when the facts may still be served when the source fails (TTL + stale grace).</summary>
    public DateTimeOffset StaleUntil { get; init; }

    /// <summary>True when the facts are kept because the last attempt to refresh them failed.</summary>
    public bool IsStale { get; init; }

    [JsonIgnore]
    public bool IsNegative => Facts is null;
}

/// <summary>Source-generated JSON for cache entries: enums by name, so a reordered enum never misreads an entry.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CachedMetadata))]
internal sealed partial class CachedMetadataJson : JsonSerializerContext;

internal sealed class CachedMetadataSerializer : IHybridCacheSerializer<CachedMetadata>
{
    public CachedMetadata Deserialize(ReadOnlySequence<byte> source)
    {
        var reader = new Utf8JsonReader(source);
        return JsonSerializer.Deserialize(ref reader, CachedMetadataJson.Default.CachedMetadata)
            ?? throw new JsonException("A cached metadata entry was empty.");
    }

    public void Serialize(CachedMetadata value, IBufferWriter<byte> target)
    {
        using var writer = new Utf8JsonWriter(target);
        JsonSerializer.Serialize(writer, value, CachedMetadataJson.Default.CachedMetadata);
    }
}
