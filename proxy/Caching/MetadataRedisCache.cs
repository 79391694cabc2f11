using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using ModelGateway.Redis;

namespace ModelGateway.Caching;

/// <summary>
/// The metadata cache's second level: <see cref="RedisCache"/> on the app's shared connection, with two rules of
/// ours. While the connection is down it reads as empty and writes nothing, at once (FusionCache's circuit breaker
/// and timeouts cover a Redis that answers slowly or with errors). An entry above <c>MetadataCache:MaxEntryKiB</c> is
/// not written (and an older copy under its key is removed): it stays in the memory of the replica that probed it,
/// and other replicas probe it themselves, so every replica answers the same facts.
/// </summary>
internal sealed class MetadataRedisCache : IDistributedCache
{
    private readonly IDistributedCache _redis;
    private readonly Func<bool> _isConnected;
    private readonly IOptionsMonitor<MetadataCacheOptions> _options;

    public MetadataRedisCache(RedisConnection redis, IOptionsMonitor<MetadataCacheOptions> options)
        : this(CreateRedisCache(redis), () => redis.Multiplexer is { IsConnected: true }, options)
    {
    }

    internal MetadataRedisCache(IDistributedCache redis, Func<bool> isConnected, IOptionsMonitor<MetadataCacheOptions> options)
    {
        _redis = redis;
        _isConnected = isConnected;
        _options = options;
    }

    public byte[]? Get(string key) => _isConnected() ? _redis.Get(key) : null;

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        _isConnected() ? _redis.GetAsync(key, token) : Task.FromResult<byte[]?>(null);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!_isConnected())
        {
            return;
        }
        if (IsTooLarge(value))
        {
            _redis.Remove(key);
            return;
        }
        _redis.Set(key, value, options);
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!_isConnected())
        {
            return Task.CompletedTask;
        }
        return IsTooLarge(value) ? _redis.RemoveAsync(key, token) : _redis.SetAsync(key, value, options, token);
    }

    public void Refresh(string key)
    {
        if (_isConnected())
        {
            _redis.Refresh(key);
        }
    }

    public Task RefreshAsync(string key, CancellationToken token = default) =>
        _isConnected() ? _redis.RefreshAsync(key, token) : Task.CompletedTask;

    public void Remove(string key)
    {
        if (_isConnected())
        {
            _redis.Remove(key);
        }
    }

    public Task RemoveAsync(string key, CancellationToken token = default) =>
        _isConnected() ? _redis.RemoveAsync(key, token) : Task.CompletedTask;

    private bool IsTooLarge(byte[] value) => value.Length > _options.CurrentValue.MaxEntryBytes;

    // Never disposed: disposing a RedisCache closes its multiplexer, which is the app's shared connection. Keys carry
    // FusionCache's prefix (MetadataCache.KeyPrefix), so no InstanceName here.
    private static RedisCache CreateRedisCache(RedisConnection redis) =>
        new(Options.Create(new RedisCacheOptions
        {
            ConnectionMultiplexerFactory = () => Task.FromResult(redis.GetRequired()),
        }));
}
