using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using ModelGateway.Primitives;
using ModelGateway.Policies;
using ModelGateway.Redis;

namespace ModelGateway.Caching;

/// <summary>Facts for one lookup and how the cache got them.</summary>
public sealed record MetadataLookup(AssetFacts Facts, CacheStatus Status, DateTimeOffset AnsweredAt);

/// <summary>
/// The shared metadata cache: facts (never verdicts) in memory and Redis (HybridCache), one probe per key at a time
/// per replica, source answers such as "not found" cached briefly, transient failures never cached, and the last
/// facts served stale within a grace period when the source fails.
/// </summary>
public sealed partial class MetadataCache(
    [FromKeyedServices(MetadataCache.ServiceKey)] HybridCache cache,
    IOptionsMonitor<MetadataCacheOptions> options,
    RedisConnection redis,
    TimeProvider timeProvider,
    ILogger<MetadataCache> logger)
{
    /// <summary>Key of this cache's own HybridCache and second level in DI (no other cache shares them).</summary>
    public const string ServiceKey = "metadata";

    // Refreshes of expired entries in flight on this replica: one probe per key (HybridCache covers cold keys).
    private readonly ConcurrentDictionary<string, Lazy<Task<(CachedMetadata Entry, CacheStatus Status)>>> _refreshes =
        new(StringComparer.Ordinal);

    /// <summary>
    /// The facts for <paramref name="sourceKey"/> of source <paramref name="sourceName"/>: cached, or from
    /// <paramref name="probe"/>. A source's failure answer (cached or fresh) is thrown as its
    /// <see cref="GatewayException"/>.
    /// </summary>
    public async Task<MetadataLookup> GetOrProbeAsync(string sourceName, string sourceKey,
        Func<CancellationToken, Task<AssetFacts>> probe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var key = MetadataCacheKey.For(sourceName, sourceKey);
        var settings = options.CurrentValue;
        var started = timeProvider.GetUtcNow();
        if (!settings.Enabled)
        {
            return new MetadataLookup(await probe(cancellationToken), CacheStatus.Miss, started);
        }

        var cold = new ColdProbe(this, probe, settings);
        var entry = await cache.GetOrCreateAsync(key, cold, static (state, ct) => state.RunAsync(ct),
            EntryOptions(settings.Ttl + settings.StaleGrace), cancellationToken: cancellationToken);
        if (cold.Ran && entry.IsNegative)
        {
            // Written with the facts' lifetime by GetOrCreateAsync; a negative answer lives only NegativeTtlSeconds.
            await cache.SetAsync(key, entry, EntryOptions(settings.NegativeTtl), cancellationToken: cancellationToken);
        }

        var status = entry.WrittenAt >= started ? CacheStatus.Miss : CacheStatus.Hit;
        if (timeProvider.GetUtcNow() >= entry.FreshUntil)
        {
            (entry, status) = await RefreshAsync(key, entry, probe, settings, cancellationToken);
        }
        else if (entry.IsStale)
        {
            status = CacheStatus.Stale;
        }

        if (entry.Facts is not { } facts)
        {
            throw GatewayException.SourceFailed(entry.ErrorCode ?? ErrorCodes.MetadataFetchFailed,
                entry.ErrorMessage ?? "The source could not answer.");
        }
        return new MetadataLookup(facts, status, entry.AnsweredAt);
    }

    private async Task<(CachedMetadata Entry, CacheStatus Status)> RefreshAsync(string key, CachedMetadata expired,
        Func<CancellationToken, Task<AssetFacts>> probe, MetadataCacheOptions settings, CancellationToken cancellationToken)
    {
        var refresh = _refreshes.GetOrAdd(key, _ => new(() => RefreshOnceAsync(key, expired, probe, settings)));
        return await refresh.Value.WaitAsync(cancellationToken);
    }

    private async Task<(CachedMetadata Entry, CacheStatus Status)> RefreshOnceAsync(string key, CachedMetadata expired,
        Func<CancellationToken, Task<AssetFacts>> probe, MetadataCacheOptions settings)
    {
        try
        {
            return await RefreshCoreAsync(key, expired, probe, settings);
        }
        finally
        {
            // Only this refresh is registered for the key until now; later callers read what it wrote.
            _refreshes.TryRemove(key, out _);
        }
    }

    // Runs without the caller's token: other callers wait on it, and the probe is bounded by its own timeout.
    private async Task<(CachedMetadata Entry, CacheStatus Status)> RefreshCoreAsync(string key, CachedMetadata expired,
        Func<CancellationToken, Task<AssetFacts>> probe, MetadataCacheOptions settings)
    {
        // Another replica may have refreshed the entry in Redis since this one cached it in memory.
        var shared = await cache.GetOrCreateAsync<CachedMetadata?>(key, static _ => ValueTask.FromResult<CachedMetadata?>(null),
            new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableUnderlyingData });
        if (shared is not null && shared.WrittenAt > expired.WrittenAt && timeProvider.GetUtcNow() < shared.FreshUntil)
        {
            return (shared, shared.IsStale ? CacheStatus.Stale : CacheStatus.Hit);
        }

        try
        {
            var fresh = Answer(await probe(CancellationToken.None), settings);
            await cache.SetAsync(key, fresh, EntryOptions(settings.Ttl + settings.StaleGrace));
            return (fresh, CacheStatus.Miss);
        }
        catch (GatewayException ex) when (ex.IsSourceAnswer)
        {
            if (settings.NegativeTtlSeconds > 0)
            {
                await cache.SetAsync(key, Negative(ex, settings), EntryOptions(settings.NegativeTtl));
            }
            throw;
        }
        catch (GatewayException ex) when (expired.Facts is not null && timeProvider.GetUtcNow() < expired.StaleUntil)
        {
            var now = timeProvider.GetUtcNow();
            var retryAt = now + settings.FailureRetry;
            var kept = expired with
            {
                IsStale = true,
                WrittenAt = now,
                FreshUntil = retryAt < expired.StaleUntil ? retryAt : expired.StaleUntil,
            };
            // Until the retry time, stale facts are served without asking the failing source on every request.
            await cache.SetAsync(key, kept, EntryOptions(expired.StaleUntil - now));
            Log.ServingStale(logger, key, ex.Code, expired.AnsweredAt);
            return (kept, CacheStatus.Stale);
        }
    }

    private CachedMetadata Answer(AssetFacts facts, MetadataCacheOptions settings)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var now = timeProvider.GetUtcNow();
        // A content check that could not read the file (often a passing network failure) is retried soon, not after
        // a full TTL of FORMAT_UNVERIFIED answers.
        var freshFor = facts.FormatCheck == FormatCheck.Unverified && settings.FailureRetry < settings.Ttl
            ? settings.FailureRetry
            : settings.Ttl;
        return new CachedMetadata
        {
            Facts = facts,
            AnsweredAt = now,
            WrittenAt = now,
            FreshUntil = now + freshFor,
            StaleUntil = now + settings.Ttl + settings.StaleGrace,
        };
    }

    private CachedMetadata Negative(GatewayException ex, MetadataCacheOptions settings)
    {
        var now = timeProvider.GetUtcNow();
        return new CachedMetadata
        {
            ErrorCode = ex.Code,
            ErrorMessage = ex.Message,
            AnsweredAt = now,
            WrittenAt = now,
            FreshUntil = now + settings.NegativeTtl,
            StaleUntil = now + settings.NegativeTtl,
        };
    }

    // With Redis, memory keeps an entry at most TtlSeconds (Redis keeps it through the stale grace, previews and
    // all); without Redis, memory is the only copy and keeps it as long as it may be served.
    private HybridCacheEntryOptions EntryOptions(TimeSpan lifetime)
    {
        var ttl = options.CurrentValue.Ttl;
        return new() { Expiration = lifetime, LocalCacheExpiration = redis.IsConfigured && lifetime > ttl ? ttl : lifetime };
    }

    /// <summary>The first caller's probe for a key nobody has cached; HybridCache runs one per key at a time.</summary>
    private sealed class ColdProbe(MetadataCache owner, Func<CancellationToken, Task<AssetFacts>> probe, MetadataCacheOptions settings)
    {
        public bool Ran { get; private set; }

        public async ValueTask<CachedMetadata> RunAsync(CancellationToken cancellationToken)
        {
            Ran = true;
            try
            {
                return owner.Answer(await probe(cancellationToken), settings);
            }
            catch (GatewayException ex) when (ex.IsSourceAnswer && settings.NegativeTtlSeconds > 0)
            {
                return owner.Negative(ex, settings);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning,
            "Source failed ({Code}) refreshing cache entry {Key}; serving facts answered at {AnsweredAt:o} as stale.",
            EventName = "MetadataServedStale")]
        public static partial void ServingStale(ILogger logger, string key, string code, DateTimeOffset answeredAt);
    }
}
