using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.Caching;
using ModelGateway.Redis;
using StackExchange.Redis;

namespace ModelGateway.UnitTests.Caching;

/// <summary>The second level's own rules, over an in-memory stand-in for Redis.</summary>
public sealed class MetadataRedisCacheTests
{
    private static readonly DistributedCacheEntryOptions Expiring = new() { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) };

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    private readonly MemoryDistributedCache _redis = new(Microsoft.Extensions.Options.Options.Create(new MemoryDistributedCacheOptions()));
    private readonly FakeTimeProvider _time = new();
    private readonly RedisCircuit _health;

    public MetadataRedisCacheTests() => _health = CreateHealth(_time);

    [Fact]
    public async Task SetAsync_AtCap_Written()
    {
        var cache = Create(maxEntryKiB: 1);

        await cache.SetAsync("k", new byte[1024], Expiring);

        Assert.Equal(1024, (await cache.GetAsync("k"))?.Length);
    }

    [Fact]
    public async Task SetAsync_AboveCap_NotWrittenAndOlderCopyRemoved()
    {
        var cache = Create(maxEntryKiB: 1);
        await cache.SetAsync("k", [1, 2, 3], Expiring);

        await cache.SetAsync("k", new byte[1025], Expiring);

        Assert.Null(await _redis.GetAsync("k"));
    }

    [Fact]
    public void Set_AboveCap_NotWritten()
    {
        var cache = Create(maxEntryKiB: 1);

        cache.Set("k", new byte[2048], Expiring);

        Assert.Null(_redis.Get("k"));
    }

    [Fact]
    public async Task RedisUnavailable_ReadsAsMissAndWritesNothing()
    {
        var cache = Create(maxEntryKiB: 512);
        await _redis.SetAsync("old", [7], Expiring);
        _health.ReportFailure("test outage");

        var read = await cache.GetAsync("old");
        await cache.SetAsync("new", [1], Expiring);
        await cache.RemoveAsync("old");

        Assert.Null(read);
        Assert.Null(await _redis.GetAsync("new"));
        Assert.Equal([7], await _redis.GetAsync("old"));
    }

    [Fact]
    public async Task RedisUnavailable_AfterRetryInterval_OneCallProbesAndItsSuccessEndsTheOutage()
    {
        var cache = Create(maxEntryKiB: 512);
        _health.ReportFailure("test outage");
        _time.Advance(RetryInterval);

        await cache.SetAsync("k", [2], Expiring);

        Assert.True(_health.IsAvailable);
        Assert.Equal([2], await cache.GetAsync("k"));
    }

    [Fact]
    public async Task RedisCallFails_ReportedToRedisCircuitAndRethrownForFusionCache()
    {
        var cache = new MetadataRedisCache(new FailingRedis(), _health, Options(512));

        await Assert.ThrowsAsync<RedisConnectionException>(() => cache.GetAsync("k"));

        Assert.False(_health.IsAvailable);
        Assert.Null(await cache.GetAsync("k")); // skipped until the next probe
    }

    private MetadataRedisCache Create(int maxEntryKiB) => new(_redis, _health, Options(maxEntryKiB));

    private static FixedOptions Options(int maxEntryKiB) => new(new MetadataCacheOptions { MaxEntryKiB = maxEntryKiB });

    private static RedisCircuit CreateHealth(TimeProvider time) => new(
        Microsoft.Extensions.Options.Options.Create(new RedisOptions { ConnectionString = "127.0.0.1:6379" }),
        Microsoft.Extensions.Options.Options.Create(new RedisCircuitOptions { RetryInterval = RetryInterval }),
        time, NullLogger<RedisCircuit>.Instance);

    private sealed class FailingRedis : IDistributedCache
    {
        private static RedisConnectionException Down() => new(ConnectionFailureType.SocketFailure, "down");

        public byte[]? Get(string key) => throw Down();

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromException<byte[]?>(Down());

        public void Refresh(string key) => throw Down();

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.FromException(Down());

        public void Remove(string key) => throw Down();

        public Task RemoveAsync(string key, CancellationToken token = default) => Task.FromException(Down());

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw Down();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
            Task.FromException(Down());
    }

    private sealed class FixedOptions(MetadataCacheOptions value) : IOptionsMonitor<MetadataCacheOptions>
    {
        public MetadataCacheOptions CurrentValue => value;

        public MetadataCacheOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<MetadataCacheOptions, string?> listener) => null;
    }
}
