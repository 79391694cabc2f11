using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.Caching;
using StackExchange.Redis;

namespace ModelGateway.UnitTests.Caching;

public sealed class ResilientRedisCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly FlakyCache _redis = new();
    private readonly CountingLogger _logger = new();

    [Fact]
    public async Task GetAsync_RedisFails_ReadsAsMissAndStopsCallingRedis()
    {
        var cache = Create();
        _redis.Failing = true;

        var first = await cache.GetAsync("k");
        var second = await cache.GetAsync("k");
        await cache.SetAsync("k", [1], new DistributedCacheEntryOptions());

        Assert.Null(first);
        Assert.Null(second);
        Assert.Equal(1, _redis.Calls);
        Assert.True(cache.IsOpen);
        Assert.Equal(1, _logger.Warnings);
    }

    [Fact]
    public async Task GetAsync_AfterRetryPeriod_RedisBack_UsesRedisAgain()
    {
        var cache = Create();
        _redis.Failing = true;
        await cache.GetAsync("k");
        _redis.Failing = false;

        _time.Advance(TimeSpan.FromSeconds(29));
        var stillSkipped = await cache.GetAsync("k");
        _time.Advance(TimeSpan.FromSeconds(1));
        var probed = await cache.GetAsync("k");
        var after = await cache.GetAsync("k");

        Assert.Null(stillSkipped);
        Assert.Equal([42], probed);
        Assert.Equal([42], after);
        Assert.False(cache.IsOpen);
        Assert.Equal(3, _redis.Calls);
        Assert.Equal(1, _logger.Warnings);
        Assert.Equal(1, _logger.Informations);
    }

    [Fact]
    public async Task GetAsync_RedisStillDownAfterRetry_LogsOnlyOnce()
    {
        var cache = Create();
        _redis.Failing = true;
        await cache.GetAsync("k");

        _time.Advance(TimeSpan.FromSeconds(30));
        await cache.GetAsync("k");
        await cache.GetAsync("k");
        _time.Advance(TimeSpan.FromSeconds(30));
        await cache.GetAsync("k");

        Assert.True(cache.IsOpen);
        Assert.Equal(3, _redis.Calls);
        Assert.Equal(1, _logger.Warnings);
    }

    [Fact]
    public async Task GetAsync_ConnectionKnownDown_FailsFastWithoutCallingRedis()
    {
        var connected = false;
        var cache = new ResilientRedisCache(() => _redis, new Monitor(), _time, _logger, () => connected);

        var whileDown = await cache.GetAsync("k");
        connected = true;
        _time.Advance(TimeSpan.FromSeconds(30));
        var afterReconnect = await cache.GetAsync("k");

        Assert.Null(whileDown);
        Assert.Equal([42], afterReconnect);
        Assert.Equal(1, _redis.Calls);
        Assert.Equal(1, _logger.Warnings);
        Assert.Equal(1, _logger.Informations);
    }

    [Fact]
    public async Task GetAsync_NoRedis_AlwaysMiss()
    {
        var cache = new ResilientRedisCache(() => null, new Monitor(), _time, _logger);

        await cache.SetAsync("k", [1], new DistributedCacheEntryOptions());

        Assert.Null(await cache.GetAsync("k"));
        Assert.False(cache.IsOpen);
    }

    private ResilientRedisCache Create() => new(() => _redis, new Monitor(), _time, _logger);

    private sealed class Monitor : IOptionsMonitor<MetadataCacheOptions>
    {
        public MetadataCacheOptions CurrentValue { get; } = new() { RedisRetrySeconds = 30 };

        public MetadataCacheOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<MetadataCacheOptions, string?> listener) => null;
    }

    private sealed class FlakyCache : IDistributedCache
    {
        public bool Failing { get; set; }

        public int Calls { get; private set; }

        public byte[]? Get(string key) => Answer();

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Answer());

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Answer();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            Answer();
            return Task.CompletedTask;
        }

        public void Refresh(string key) => Answer();

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.FromResult(Answer());

        public void Remove(string key) => Answer();

        public Task RemoveAsync(string key, CancellationToken token = default) => Task.FromResult(Answer());

        private byte[]? Answer()
        {
            Calls++;
            return Failing ? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "down") : [42];
        }
    }

    private sealed class CountingLogger : ILogger<ResilientRedisCache>
    {
        public int Warnings { get; private set; }

        public int Informations { get; private set; }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings++;
            }
            else if (logLevel == LogLevel.Information)
            {
                Informations++;
            }
        }
    }
}
