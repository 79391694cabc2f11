using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using ModelGateway.Policies;
using ModelGateway.Primitives;
using ModelGateway.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace ModelGateway.Caching;

/// <summary>Facts for one lookup and how the cache got them.</summary>
internal sealed record MetadataLookup(AssetFacts Facts, CacheStatus Status, DateTimeOffset AnsweredAt);

/// <summary>
/// The shared metadata cache, on FusionCache: facts (never verdicts) in a size-limited memory level and, when
/// <c>ConnectionStrings:Redis</c> is set, in Redis; one probe chain per key across all replicas (Redis lock); a
/// source's own answers ("not found", …) cached for <c>NegativeTtlSeconds</c>; transient failures never cached; the
/// last facts served stale (fail-safe) up to <c>StaleGraceSeconds</c> after their TTL when the source fails, the
/// failing source asked again once per <c>FailureRetrySeconds</c>.
/// </summary>
/// <remarks>
/// FusionCache's expirations run on the system clock; the entries' own times (<see cref="CachedMetadata.FreshUntil"/>,
/// which decides STALE) on the injected <see cref="TimeProvider"/>.
/// </remarks>
internal sealed partial class MetadataCache : IDisposable
{
    /// <summary>Prefix of every key FusionCache writes (entries, in memory and Redis, and locks), so the cache can share a Redis.</summary>
    internal const string KeyPrefix = "model-gateway:";

    // Bounds on Redis within one lookup. A stalled Redis call fails after the connection's own timeout (1 s, see
    // RedisConnection; up to 2 s as StackExchange.Redis checks it), a real error that opens the app's one breaker
    // (RedisCircuit, which MetadataRedisCache and the locks consult), so one lookup pays it, not every one.
    // FusionCache's own timeout on reads is only a backstop above that; FusionCache's own breaker is off.
    private static readonly TimeSpan RedisReadBackstop = TimeSpan.FromSeconds(3);

    // What a lock holder may spend on its Redis write after its probe (the connection's timeout, checked late).
    private static readonly TimeSpan RedisWriteAllowance = TimeSpan.FromSeconds(2);

    // Placeholder size for an entry FusionCache stores without ours (none: every entry written carries its estimate).
    private const long UnknownEntryBytes = 64 * 1024;

    private readonly MemoryCache _memory;
    private readonly FusionCache _cache;
    private readonly IOptionsMonitor<MetadataCacheOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MetadataCache> _logger;
    private SharedOptions? _entryOptions;

    internal MetadataCache(IOptionsMonitor<MetadataCacheOptions> options, RedisConnection redis, RedisCircuit redisCircuit,
        TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options;
        _time = time;
        _logger = loggers.CreateLogger<MetadataCache>();
        var settings = options.CurrentValue;
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = settings.MemoryLimitBytes, TrackStatistics = true });
        _cache = new FusionCache(new FusionCacheOptions
        {
            CacheName = "metadata",
            CacheKeyPrefix = KeyPrefix,
            // FusionCache's wire-format version goes after the key, so every Redis key starts with KeyPrefix.
            DistributedCacheKeyModifierMode = CacheKeyModifierMode.Suffix,
            // Off (zero): RedisCircuit is the one breaker on Redis, for the cache as for every other caller.
            DistributedCacheCircuitBreakerDuration = TimeSpan.Zero,
            // No tags and no Clear(): without this every lookup would also read a "clear" marker.
            DisableTagging = true,
            // Replays failed Redis writes later; a cache entry is not worth it (and the queue would hold previews).
            EnableAutoRecovery = false,
            // It checks a tuple round trip that our source-generated JSON deliberately does not support.
            EnableBestPracticesAdvisor = false,
            // Redis problems are logged once per outage by RedisCircuit; source failures reach the caller.
            DistributedCacheErrorsLogLevel = LogLevel.Debug,
            DistributedCacheSyntheticTimeoutsLogLevel = LogLevel.Debug,
            DistributedLockerErrorsLogLevel = LogLevel.Debug,
            FactoryErrorsLogLevel = LogLevel.Debug,
            FailSafeActivationLogLevel = LogLevel.Debug, // Log.ServingStale says it with the source's error code
        }, _memory, loggers.CreateLogger<FusionCache>());
        if (redis.IsConfigured)
        {
            _cache.SetupDistributedCache(new MetadataRedisCache(redis, redisCircuit, options),
                new FusionCacheSystemTextJsonSerializer(CachedMetadataJson.Default.Options));
            _cache.SetupDistributedLocker(new MetadataRedisLocker(redis, redisCircuit, time));
        }
    }

    /// <summary>What the memory level holds now, in estimated bytes (bounded by <c>MetadataCache:MemoryLimitMB</c>).</summary>
    internal long MemoryBytes => _memory.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    /// <summary>
    /// The facts for <paramref name="sourceKey"/> of source <paramref name="sourceName"/>: cached, or from
    /// <paramref name="probe"/>, which gives up after <paramref name="probeTimeout"/> (so does a wait for another
    /// replica's probe). A failure (a source's cached or fresh answer, or a transient failure) is thrown as its
    /// <see cref="GatewayException"/>, carrying the cache status (<see cref="CacheStatusHeader.Of"/>).
    /// </summary>
    public async Task<MetadataLookup> GetOrProbeAsync(string sourceName, string sourceKey,
        Func<CancellationToken, Task<AssetFacts>> probe, TimeSpan probeTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var settings = _options.CurrentValue;
        if (!settings.Enabled)
        {
            var startedAt = _time.GetUtcNow();
            try
            {
                return new MetadataLookup(await probe(cancellationToken), CacheStatus.Miss, startedAt);
            }
            catch (GatewayException ex)
            {
                throw CacheStatusHeader.Attach(ex, CacheStatus.Miss);
            }
        }

        var lookup = new Lookup(this, MetadataCacheKey.For(sourceName, sourceKey), probe, settings, probeTimeout);
        CachedMetadata entry;
        try
        {
            entry = await _cache.GetOrSetAsync<CachedMetadata>(lookup.Key, lookup.RunAsync, options: SharedEntryOptions(settings, lookup.LockWait),
                token: cancellationToken);
        }
        catch (GatewayException ex)
        {
            throw CacheStatusHeader.Attach(ex, lookup.Status);
        }

        if (entry.Facts is not { } facts)
        {
            throw CacheStatusHeader.Attach(GatewayException.SourceFailed(entry.ErrorCode ?? ErrorCodes.MetadataFetchFailed,
                entry.ErrorMessage ?? "The source could not answer."), lookup.Status);
        }
        // Past FreshUntil an entry is served only by fail-safe: the source just failed, or failed within FailureRetrySeconds.
        var status = _time.GetUtcNow() >= entry.FreshUntil ? CacheStatus.Stale : lookup.Status;
        return new MetadataLookup(facts, status, entry.AnsweredAt);
    }

    public void Dispose()
    {
        _cache.Dispose();
        _memory.Dispose();
    }

    /// <summary>
    /// <see cref="EntryOptions"/> for the settings in force, built once per configuration and probe timeout rather than
    /// per lookup. Sharing is safe: FusionCache hands the factory its own copy to adapt.
    /// </summary>
    private FusionCacheEntryOptions SharedEntryOptions(MetadataCacheOptions settings, TimeSpan lockWait)
    {
        var shared = _entryOptions;
        if (shared is null || !ReferenceEquals(shared.Settings, settings) || shared.LockWait != lockWait)
        {
            shared = new SharedOptions(settings, lockWait, EntryOptions(settings, lockWait));
            _entryOptions = shared;
        }
        return shared.Options;
    }

    /// <summary>How FusionCache keeps an entry (adapted per entry by the factory: see <see cref="CachedMetadata.FreshFor"/>).</summary>
    internal static FusionCacheEntryOptions EntryOptions(MetadataCacheOptions settings, TimeSpan lockWait) => new()
    {
        Duration = settings.Ttl,
        IsFailSafeEnabled = settings.StaleGraceSeconds > 0,
        FailSafeMaxDuration = settings.Ttl + settings.StaleGrace,
        FailSafeThrottleDuration = settings.FailureRetry,
        DistributedLockTimeout = lockWait,
        DistributedCacheHardTimeout = RedisReadBackstop,
        // An entry Redis holds in another shape reads as a miss (and is overwritten), never as a failed request.
        ReThrowSerializationExceptions = false,
        Size = UnknownEntryBytes,
    };

    /// <summary>
    /// One caller's lookup. FusionCache runs its factory for one caller per key at a time; the callers waiting behind a
    /// probe that failed transiently get its failure (the way they would have shared its facts) instead of asking the
    /// failing source again one after the other. A caller that arrives after the failure probes anew: a transient
    /// failure is never served from the cache.
    /// </summary>
    private sealed class Lookup(MetadataCache owner, string key, Func<CancellationToken, Task<AssetFacts>> probe,
        MetadataCacheOptions settings, TimeSpan probeTimeout)
    {
        private readonly long _arrivedAt = owner._time.GetTimestamp();

        public string Key => key;

        /// <summary>How long a caller waits for another replica's probe of the key, and how long a lock is held at most.</summary>
        public TimeSpan LockWait { get; } = probeTimeout + RedisWriteAllowance;

        /// <summary>MISS when this caller's probe ran, HIT otherwise.</summary>
        public CacheStatus Status { get; private set; } = CacheStatus.Hit;

        private string FailureKey => "failure:" + key;

        public async Task<CachedMetadata> RunAsync(FusionCacheFactoryExecutionContext<CachedMetadata> context, CancellationToken cancellationToken)
        {
            if (owner._memory.TryGetValue(FailureKey, out SharedFailure? failure) && failure!.At >= _arrivedAt)
            {
                KeepStaleFactsOnlyWithinGrace(context);
                throw failure.Copy();
            }

            Status = CacheStatus.Miss;
            try
            {
                var facts = await probe(cancellationToken);
                var entry = CachedMetadata.ForFacts(facts, owner._time.GetUtcNow(), settings);
                context.Options.Duration = entry.FreshFor;
                context.Options.Size = entry.EstimatedBytes();
                return entry;
            }
            catch (GatewayException ex) when (ex.IsSourceAnswer)
            {
                // The source's own answer replaces whatever was cached, facts included; it is never served stale.
                context.Options.IsFailSafeEnabled = false;
                if (settings.NegativeTtlSeconds == 0)
                {
                    throw;
                }
                var negative = CachedMetadata.ForSourceAnswer(ex, owner._time.GetUtcNow(), settings);
                context.Options.Duration = negative.FreshFor;
                context.Options.Size = negative.EstimatedBytes();
                return negative;
            }
            catch (GatewayException ex) when (ex.StatusCode == StatusCodes.Status422UnprocessableEntity)
            {
                // What the source did, shared with the callers waiting for this probe. A refusal of the gateway's own
                // (a caller over its probe budget) is that caller's alone: it is not shared.
                owner._memory.Set(FailureKey, new SharedFailure(ex, owner._time.GetTimestamp()),
                    new MemoryCacheEntryOptions { Size = CachedMetadata.EntryOverheadBytes, AbsoluteExpirationRelativeToNow = 2 * LockWait });
                if (KeepStaleFactsOnlyWithinGrace(context) is { } stale)
                {
                    Log.ServingStale(owner._logger, key, ex.Code, stale.AnsweredAt);
                }
                throw;
            }
        }

        // Fail-safe serves the last facts only until their StaleUntil (FusionCache alone could keep a stale copy longer).
        private CachedMetadata? KeepStaleFactsOnlyWithinGrace(FusionCacheFactoryExecutionContext<CachedMetadata> context)
        {
            if (context.Options.IsFailSafeEnabled && context.HasStaleValue && context.StaleValue.Value is { IsNegative: false } stale
                && owner._time.GetUtcNow() < stale.StaleUntil)
            {
                return stale;
            }
            context.Options.IsFailSafeEnabled = false;
            return null;
        }
    }

    private sealed record SharedOptions(MetadataCacheOptions Settings, TimeSpan LockWait, FusionCacheEntryOptions Options);

    /// <summary>A transient failure, and when it happened (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    private sealed record SharedFailure(GatewayException Error, long At)
    {
        // Each caller throws its own instance: one exception thrown on several threads would share a stack trace.
        public GatewayException Copy() => new(Error.StatusCode, Error.Code, Error.Message);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning,
            "Source failed ({Code}) refreshing cache entry {Key}; serving facts answered at {AnsweredAt:o} as stale.",
            EventName = "MetadataServedStale")]
        public static partial void ServingStale(ILogger logger, string key, string code, DateTimeOffset answeredAt);
    }
}
