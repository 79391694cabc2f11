using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using ModelGateway.Caching;

namespace ModelGateway.UnitTests.Caching;

/// <summary>The second level's own rules, over an in-memory stand-in for Redis.</summary>
public sealed class MetadataRedisCacheTests
{
    private static readonly DistributedCacheEntryOptions Expiring = new() { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) };

    private readonly MemoryDistributedCache _redis = new(Options.Create(new MemoryDistributedCacheOptions()));
    private bool _connected = true;

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
    public async Task Disconnected_ReadsAsMissAndWritesNothing()
    {
        var cache = Create(maxEntryKiB: 512);
        await _redis.SetAsync("old", [7], Expiring);
        _connected = false;

        var read = await cache.GetAsync("old");
        await cache.SetAsync("new", [1], Expiring);
        await cache.RemoveAsync("old");

        Assert.Null(read);
        Assert.Null(await _redis.GetAsync("new"));
        Assert.Equal([7], await _redis.GetAsync("old"));
    }

    [Fact]
    public async Task Reconnected_UsesRedisAgain()
    {
        var cache = Create(maxEntryKiB: 512);
        _connected = false;
        await cache.SetAsync("k", [1], Expiring);
        _connected = true;

        await cache.SetAsync("k", [2], Expiring);

        Assert.Equal([2], await cache.GetAsync("k"));
    }

    private MetadataRedisCache Create(int maxEntryKiB) =>
        new(_redis, () => _connected, new FixedOptions(new MetadataCacheOptions { MaxEntryKiB = maxEntryKiB }));

    private sealed class FixedOptions(MetadataCacheOptions value) : IOptionsMonitor<MetadataCacheOptions>
    {
        public MetadataCacheOptions CurrentValue => value;

        public MetadataCacheOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<MetadataCacheOptions, string?> listener) => null;
    }
}
