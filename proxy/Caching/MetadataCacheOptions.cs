
namespace ModelGateway.Caching;

/// <summary>The <c>MetadataCache</c> section: how long probed facts and source answers are reused, and how much room they get.</summary>
internal sealed class MetadataCacheOptions
{
    public const string SectionName = "MetadataCache";

    /// <summary>
    /// A retired key (the cache's own Redis breaker, now off): a configuration that still sets it is refused at startup,
    /// so nobody tunes a setting that no longer does anything. <c>RateLimiting:RedisRetrySeconds</c> paces the one breaker.
    /// </summary>
    public const string RetiredRedisRetryKey = SectionName + ":RedisRetrySeconds";

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

    /// <summary>Size limit of the in-process cache: what its entries hold (previews included) in MB. Read at startup.</summary>
    public int MemoryLimitMB { get; set; } = 256;

    /// <summary>Largest entry written to Redis, in KiB; a larger one stays in this replica's memory only.</summary>
    public int MaxEntryKiB { get; set; } = 512;

    public TimeSpan Ttl => TimeSpan.FromSeconds(TtlSeconds);

    public TimeSpan NegativeTtl => TimeSpan.FromSeconds(NegativeTtlSeconds);

    public TimeSpan StaleGrace => TimeSpan.FromSeconds(StaleGraceSeconds);

    public TimeSpan FailureRetry => TimeSpan.FromSeconds(FailureRetrySeconds);

    public long MemoryLimitBytes => MemoryLimitMB * 1024L * 1024L;

    public long MaxEntryBytes => MaxEntryKiB * 1024L;
}
