using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.Caching;
using ZiggyCreatures.Caching.Fusion.Locking.Distributed;

namespace ModelGateway.UnitTests.Caching;

/// <summary>The bounds around FusionCache's Redis locker, over a stand-in locker that records what it is asked.</summary>
public sealed class MetadataRedisLockerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(6);

    private readonly FakeTimeProvider _time = new();
    private readonly RecordingLocker _inner = new();
    private bool _connected = true;

    [Fact]
    public async Task Acquire_Disconnected_NoLockAndRedisNotAsked()
    {
        var locker = Create();
        _connected = false;

        var held = await AcquireAsync(locker);

        Assert.Null(held);
        Assert.Equal(0, _inner.Acquired);
    }

    [Fact]
    public async Task Release_ByOwner_ReleasedOnce()
    {
        var locker = Create();
        var held = await AcquireAsync(locker);

        await ReleaseAsync(locker, held);
        await ReleaseAsync(locker, held);
        _time.Advance(Wait);

        Assert.NotNull(held);
        Assert.Equal((1, 1), (_inner.Acquired, _inner.Released));
    }

    [Fact]
    public async Task NeverReleased_ReleasedAfterTheWaitOthersHave()
    {
        var locker = Create();
        var held = await AcquireAsync(locker);

        _time.Advance(Wait - TimeSpan.FromMilliseconds(1));
        var releasedBefore = _inner.Released;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await ReleaseAsync(locker, held); // FusionCache's late release does not release twice

        Assert.Equal((0, 1), (releasedBefore, _inner.Released));
    }

    [Fact]
    public async Task Acquire_NotGranted_Null()
    {
        var locker = Create();
        _inner.Grant = false;

        Assert.Null(await AcquireAsync(locker));
    }

    private MetadataRedisLocker Create() => new(_inner, () => _connected, _time);

    private static ValueTask<object?> AcquireAsync(MetadataRedisLocker locker) =>
        locker.AcquireLockAsync("metadata", "i", "o", "k", "k:lock", Wait, null, CancellationToken.None);

    private static ValueTask ReleaseAsync(MetadataRedisLocker locker, object? held) =>
        locker.ReleaseLockAsync("metadata", "i", "o", "k", "k:lock", held, null, CancellationToken.None);

    private sealed class RecordingLocker : IFusionCacheDistributedLocker
    {
        private int _acquired;
        private int _released;

        public bool Grant { get; set; } = true;

        public int Acquired => Volatile.Read(ref _acquired);

        public int Released => Volatile.Read(ref _released);

        public ValueTask<object?> AcquireLockAsync(string cacheName, string cacheInstanceId, string operationId, string key,
            string lockName, TimeSpan timeout, ILogger? logger, CancellationToken token)
        {
            Interlocked.Increment(ref _acquired);
            return ValueTask.FromResult<object?>(Grant ? new object() : null);
        }

        public ValueTask ReleaseLockAsync(string cacheName, string cacheInstanceId, string operationId, string key,
            string lockName, object? lockObj, ILogger? logger, CancellationToken token)
        {
            Interlocked.Increment(ref _released);
            return ValueTask.CompletedTask;
        }

        public object? AcquireLock(string cacheName, string cacheInstanceId, string operationId, string key, string lockName,
            TimeSpan timeout, ILogger? logger, CancellationToken token) => throw new NotSupportedException();

        public void ReleaseLock(string cacheName, string cacheInstanceId, string operationId, string key, string lockName,
            object? lockObj, ILogger? logger, CancellationToken token) => throw new NotSupportedException();
    }
}
