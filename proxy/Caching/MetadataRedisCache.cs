using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using ModelGateway.Redis;

namespace ModelGateway.Caching;

/// <summary>
/// The metadata cache's second level: <see cref="RedisCache"/> on the app's shared connection, with two rules of
/// ours. Every call goes through the app's one Redis signal (<see cref="RedisCircuit"/>): while Redis is unavailable it
/// reads as empty and writes nothing, at once, except the one probe call <see cref="RedisCircuit.TryEnter"/> lets
/// through; a call that fails reports the outage there (logged once for the app) and still fails, so FusionCache's
/// circuit breaker and fail-safe see it. An entry above <c>MetadataCache:MaxEntryKiB</c> is not written (and an older
/// copy under its key is removed): it stays in the memory of the replica that probed it, and other replicas probe it
/// themselves, so every replica answers the same facts.
/// </summary>
internal sealed class MetadataRedisCache : IDistributedCache
{
    private readonly IDistributedCache _redis;
    private readonly RedisCircuit _circuit;
    private readonly IOptionsMonitor<MetadataCacheOptions> _options;

    public MetadataRedisCache(RedisConnection redis, RedisCircuit health, IOptionsMonitor<MetadataCacheOptions> options)
        : this(CreateRedisCache(redis), health, options)
    {
    }

    internal MetadataRedisCache(IDistributedCache redis, RedisCircuit health, IOptionsMonitor<MetadataCacheOptions> options)
    {
        _redis = redis;
        _circuit = health;
        _options = options;
    }

    public byte[]? Get(string key) => Call(() => _redis.Get(key));

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        CallAsync(() => _redis.GetAsync(key, token));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(value);
        Call(() =>
        {
            if (IsTooLarge(value))
            {
                _redis.Remove(key);
            }
            else
            {
                _redis.Set(key, value, options);
            }
            return true;
        });
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return CallAsync(async () =>
        {
            await (IsTooLarge(value) ? _redis.RemoveAsync(key, token) : _redis.SetAsync(key, value, options, token));
            return true;
        });
    }

    public void Refresh(string key) => Call(() => { _redis.Refresh(key); return true; });

    public Task RefreshAsync(string key, CancellationToken token = default) =>
        CallAsync(async () => { await _redis.RefreshAsync(key, token); return true; });

    public void Remove(string key) => Call(() => { _redis.Remove(key); return true; });

    public Task RemoveAsync(string key, CancellationToken token = default) =>
        CallAsync(async () => { await _redis.RemoveAsync(key, token); return true; });

    private bool IsTooLarge(byte[] value) => value.Length > _options.CurrentValue.MaxEntryBytes;

    private T? Call<T>(Func<T?> call)
    {
        if (!_circuit.TryEnter())
        {
            return default;
        }
        try
        {
            var result = call();
            _circuit.ReportSuccess();
            return result;
        }
        catch (Exception ex) when (RedisCircuit.IsRedisFailure(ex))
        {
            _circuit.ReportFailure(ex);
            throw;
        }
    }

    private async Task<T?> CallAsync<T>(Func<Task<T?>> call)
    {
        if (!_circuit.TryEnter())
        {
            return default;
        }
        try
        {
            var result = await call();
            _circuit.ReportSuccess();
            return result;
        }
        catch (Exception ex) when (RedisCircuit.IsRedisFailure(ex))
        {
            _circuit.ReportFailure(ex);
            throw;
        }
    }

    // Never disposed: disposing a RedisCache closes its multiplexer, which is the app's shared connection. Keys carry
    // FusionCache's prefix (MetadataCache.KeyPrefix), so no InstanceName here.
    private static RedisCache CreateRedisCache(RedisConnection redis) =>
        new(Options.Create(new RedisCacheOptions
        {
            ConnectionMultiplexerFactory = () => Task.FromResult(redis.GetRequired()),
        }));
}
