using System.Text.Json.Serialization;
using ModelGateway.Policies;
using ModelGateway.Primitives;
using ZiggyCreatures.Caching.Fusion.Internals.Distributed;

namespace ModelGateway.Caching;

/// <summary>
/// One cache entry: the facts a probe learned, or a source's own failure answer (a negative entry). Never a verdict:
/// policy is evaluated on every request. Never a secret: facts carry credential-free URLs and failure messages
/// never carry tokens.
/// </summary>
internal sealed record CachedMetadata
{
    // What every entry costs in memory besides its strings: this record, the facts, FusionCache's and MemoryCache's
    // entry objects and the key (about 60 characters).
    internal const long EntryOverheadBytes = 1024;

    /// <summary>The facts; null for a negative entry.</summary>
    public AssetFacts? Facts { get; init; }

    /// <summary>For a negative entry: the 422 code the source's answer maps to.</summary>
    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>When the source gave this answer.</summary>
    public DateTimeOffset AnsweredAt { get; init; }

    /// <summary>Until when the entry is served as fresh; later it is stale (served only when the source fails).</summary>
    public DateTimeOffset FreshUntil { get; init; }

    /// <summary>Until when the facts may still be served when the source fails (TTL + stale grace).</summary>
    public DateTimeOffset StaleUntil { get; init; }

    [JsonIgnore]
    public bool IsNegative => Facts is null;

    /// <summary>How long the entry is served without asking the source.</summary>
    [JsonIgnore]
    public TimeSpan FreshFor => FreshUntil - AnsweredAt;

    /// <summary>
    /// Facts a probe just learned: fresh for <c>TtlSeconds</c>, or only <c>FailureRetrySeconds</c> when the content
    /// check could not read the file (often a passing network failure: retried soon, not after a full TTL of
    /// <c>FORMAT_UNVERIFIED</c> answers); served stale up to <c>StaleGraceSeconds</c> after the TTL.
    /// </summary>
    public static CachedMetadata ForFacts(AssetFacts facts, DateTimeOffset now, MetadataCacheOptions settings)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(settings);
        var freshFor = facts.FormatCheck == FormatCheck.Unverified && settings.FailureRetry < settings.Ttl
            ? settings.FailureRetry
            : settings.Ttl;
        return new CachedMetadata
        {
            Facts = facts,
            AnsweredAt = now,
            FreshUntil = now + freshFor,
            StaleUntil = now + settings.Ttl + settings.StaleGrace,
        };
    }

    /// <summary>A source's own failure answer ("not found", …): reused for <c>NegativeTtlSeconds</c>, never stale.</summary>
    public static CachedMetadata ForSourceAnswer(GatewayException answer, DateTimeOffset now, MetadataCacheOptions settings)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(settings);
        return new CachedMetadata
        {
            ErrorCode = answer.Code,
            ErrorMessage = answer.Message,
            AnsweredAt = now,
            FreshUntil = now + settings.NegativeTtl,
            StaleUntil = now + settings.NegativeTtl,
        };
    }

    /// <summary>
    /// What the entry holds in memory, in bytes: its strings (UTF-16, two bytes a character; a preview data URL of
    /// a few hundred KB dominates) plus a fixed overhead. The memory level's size limit counts this.
    /// </summary>
    public long EstimatedBytes()
    {
        long characters = Length(ErrorCode) + Length(ErrorMessage);
        if (Facts is { } facts)
        {
            characters += Length(facts.ContentType) + Length(facts.Filename) + Length(facts.Name) + Length(facts.ModelType)
                + Length(facts.ModelFolder) + Length(facts.Sha256) + Length(facts.FinalUrl) + Length(facts.PreviewImage)
                + Length(facts.Source) + facts.Hosts.Sum(Length) + facts.PreviewHosts.Sum(Length)
                + (facts.PickleReport?.EstimatedChars() ?? 0);
        }
        return EntryOverheadBytes + (characters * sizeof(char));
    }

    private static int Length(string? value) => value?.Length ?? 0;
}

/// <summary>
/// Source-generated JSON for cache entries as FusionCache stores them in Redis (its envelope around ours): enums by
/// name, so a reordered enum never misreads an entry.
/// </summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FusionCacheDistributedEntry<CachedMetadata>))]
internal sealed partial class CachedMetadataJson : JsonSerializerContext;
