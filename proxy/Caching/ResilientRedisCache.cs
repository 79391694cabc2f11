using System.Net.Sockets;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using ModelGateway.Redis;
using StackExchange.Redis;

namespace ModelGateway.Caching;

/// <summary>
/// The metadata cache's second level: Redis through the app's shared connection when <c>ConnectionStrings:Redis</c>
/// is set (decided on first use, so late configuration counts), nothing otherwise. Redis failures never reach the
/// caller: a failed call reads as a miss, and a circuit then skips Redis for <c>MetadataCache:RedisRetrySeconds</c>
/// so an outage costs one bounded timeout per retry period, not one per request. Logged once per outage.
/// </summary>
internal sealed partial class ResilientRedisCache : IDistributedCache
{
    /// <summary>Key prefix in Redis, so the cache can share a Redis with the rate limiter.</summary>
    public const string InstanceName = "model-gateway:";

    private readonly Lazy<IDistributedCache?> _redis;
    private readonly Func<bool> _isConnected;
    private readonly IOptionsMonitor<MetadataCacheOptions> _options;
    private readonly ILogger<ResilientRedisCache> _logger;
    private readonly RedisCircuit _circuit;

    public ResilientRedisCache(RedisConnection redis, IOptionsMonitor<MetadataCacheOptions> options, TimeProvider timeProvider,
        ILogger<ResilientRedisCache> logger)
        : this(() => CreateRedisCache(redis), options, timeProvider, logger, () => redis.Multiplexer?.IsConnected ?? false)
    {
    }

    /// <param name="createRedis">Makes the Redis-backed cache on first use; null when there is no Redis.</param>
    /// <param name="isConnected">False when the connection is known to be down: fail at once instead of timing out.</param>
    internal ResilientRedisCache(Func<IDistributedCache?> createRedis, IOptionsMonitor<MetadataCacheOptions> options,
        TimeProvider timeProvider, ILogger<ResilientRedisCache> logger, Func<bool>? isConnected = null)
    {
        _redis = new(createRedis);
        _isConnected = isConnected ?? (() => true);
        _options = options;
        _logger = logger;
        _circuit = new RedisCircuit(timeProvider);
    }

    /// <summary>Whether calls currently skip Redis after a failure.</summary>
    public bool IsOpen => _circuit.IsOpen;

    public byte[]? Get(string key) => Guard(redis => redis.Get(key));

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        GuardAsync(async (redis, ct) => await redis.GetAsync(key, ct), token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) =>
        Guard(redis => { redis.Set(key, value, options); return true; });

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        GuardAsync(async (redis, ct) => { await redis.SetAsync(key, value, options, ct); return true; }, token);

    public void Refresh(string key) => Guard(redis => { redis.Refresh(key); return true; });

    public Task RefreshAsync(string key, CancellationToken token = default) =>
        GuardAsync(async (redis, ct) => { await redis.RefreshAsync(key, ct); return true; }, token);

    public void Remove(string key) => Guard(redis => { redis.Remove(key); return true; });

    public Task RemoveAsync(string key, CancellationToken token = default) =>
        GuardAsync(async (redis, ct) => { await redis.RemoveAsync(key, ct); return true; }, token);

    private T? Guard<T>(Func<IDistributedCache, T?> call)
    {
        if (_redis.Value is not { } redis || !_circuit.TryEnter(_options.CurrentValue.RedisRetry))
        {
            return default;
        }
        if (!_isConnected())
        {
            Failed(nameof(RedisConnectionException), "not connected");
            return default;
        }
        try
        {
            var result = call(redis);
            Succeeded();
            return result;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Failed(ex.GetType().Name, ex.Message);
            return default;
        }
    }

    private async Task<T?> GuardAsync<T>(Func<IDistributedCache, CancellationToken, Task<T?>> call, CancellationToken cancellationToken)
    {
        if (_redis.Value is not { } redis || !_circuit.TryEnter(_options.CurrentValue.RedisRetry))
        {
            return default;
        }
        try
        {
            if (!_isConnected())
            {
                Failed(nameof(RedisConnectionException), "not connected");
                return default;
            }
            var result = await call(redis, cancellationToken);
            Succeeded();
            return result;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            Failed(ex.GetType().Name, ex.Message);
            return default;
        }
    }

    // Never disposed: disposing a RedisCache disposes its multiplexer, which is the app's shared connection.
    private static RedisCache? CreateRedisCache(RedisConnection redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        return redis.IsConfigured
            ? new RedisCache(Options.Create(new RedisCacheOptions
            {
                InstanceName = InstanceName,
                ConnectionMultiplexerFactory = () => Task.FromResult(redis.GetRequired()),
            }))
            : null;
    }

    private static bool IsRedisFailure(Exception ex) =>
        ex is RedisException or TimeoutException or SocketException or IOException or ObjectDisposedException;

    private void Succeeded()
    {
        if (_circuit.RecordSuccess())
        {
            Log.Resumed(_logger);
        }
    }

    private void Failed(string errorType, string error)
    {
        var retry = _options.CurrentValue.RedisRetry;
        if (_circuit.RecordFailure(retry))
        {
            Log.Tripped(_logger, errorType, error, (int)retry.TotalSeconds);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning,
            "Redis metadata cache unavailable ({ErrorType}: {Error}); serving from memory and probing sources, trying Redis again every {RetrySeconds} s.",
            EventName = "MetadataCacheRedisUnavailable")]
        public static partial void Tripped(ILogger logger, string errorType, string error, int retrySeconds);

        [LoggerMessage(2, LogLevel.Information, "Redis metadata cache available again.", EventName = "MetadataCacheRedisResumed")]
        public static partial void Resumed(ILogger logger);
    }
}
