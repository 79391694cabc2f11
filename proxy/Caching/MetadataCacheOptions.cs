using Microsoft.Extensions.Options;

namespace ModelGateway.Caching;

/// <summary>The <c>MetadataCache</c> section: how long probed facts and source answers are reused.</summary>
public sealed class MetadataCacheOptions
{
    public const string SectionName = "MetadataCache";

    /// <summary>False: every lookup probes the source and nothing is cached (for diagnosis).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long probed facts are served without asking the source again.</summary>
    public int TtlSeconds { get; set; } = 3600;

    /// <summary>How long a source's own "not found / forbidden / …" answer is reused; 0 = not cached.</summary>
    public int NegativeTtlSeconds { get; set; } = 60;

    /// <summary>
    /// After <see cref="TtlSeconds"/>, how long the last facts may still be served (flagged <c>STALE_METADATA</c>)
    /// when the source fails or times out; 0 = never serve stale facts.
    /// </summary>
    public int StaleGraceSeconds { get; set; } = 86400;

    /// <summary>While stale facts are served, how long to wait before asking the failing source again.</summary>
    public int FailureRetrySeconds { get; set; } = 30;

    /// <summary>After a Redis failure, how long the cache stays in memory only before it tries Redis again.</summary>
    public int RedisRetrySeconds { get; set; } = 30;

    public TimeSpan Ttl => TimeSpan.FromSeconds(TtlSeconds);

    public TimeSpan NegativeTtl => TimeSpan.FromSeconds(NegativeTtlSeconds);

    public TimeSpan StaleGrace => TimeSpan.FromSeconds(StaleGraceSeconds);

    public TimeSpan FailureRetry => TimeSpan.FromSeconds(FailureRetrySeconds);

    public TimeSpan RedisRetry => TimeSpan.FromSeconds(RedisRetrySeconds);
}

/// <summary>Reports every out-of-range <c>MetadataCache</c> key at startup, not just the first.</summary>
internal sealed class MetadataCacheOptionsValidator : IValidateOptions<MetadataCacheOptions>
{
    // A year: longer lifetimes are a typo, not a plan.
    private const int MaxSeconds = 365 * 24 * 3600;

    public ValidateOptionsResult Validate(string? name, MetadataCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(failures, nameof(options.TtlSeconds), options.TtlSeconds, min: 1);
        Check(failures, nameof(options.NegativeTtlSeconds), options.NegativeTtlSeconds, min: 0);
        Check(failures, nameof(options.StaleGraceSeconds), options.StaleGraceSeconds, min: 0);
        Check(failures, nameof(options.FailureRetrySeconds), options.FailureRetrySeconds, min: 1);
        Check(failures, nameof(options.RedisRetrySeconds), options.RedisRetrySeconds, min: 1);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string key, int value, int min)
    {
        if (value < min || value > MaxSeconds)
        {
            failures.Add($"{MetadataCacheOptions.SectionName}:{key} must be between {min} and {MaxSeconds} seconds, not {value}.");
        }
    }
}
