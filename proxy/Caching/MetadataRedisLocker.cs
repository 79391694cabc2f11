using ModelGateway.Redis;
using ZiggyCreatures.Caching.Fusion.Locking.Distributed;
using ZiggyCreatures.Caching.Fusion.Locking.Distributed.Redis;

namespace ModelGateway.Caching;

/// <summary>
/// FusionCache's Redis distributed locker on the app's shared connection, so one probe chain runs per key across all
/// replicas, with two bounds of ours. While the app's one breaker on Redis is open (<see cref="RedisCircuit"/>), no lock
/// is taken (each replica probes for itself, at once). A held lock is released after the time others wait for it at most (the probe timeout plus a Redis
/// write) even when FusionCache does not release it — FusionCache 2.9 keeps a lock whose Redis write failed — so a
/// lock never outlives the probe it guards.
/// </summary>
internal sealed class MetadataRedisLocker : IFusionCacheDistributedLocker
{
    private readonly IFusionCacheDistributedLocker _locker;
    private readonly Func<bool> _isAvailable;
    private readonly TimeProvider _time;

    public MetadataRedisLocker(RedisConnection redis, RedisCircuit health, TimeProvider time)
        : this(CreateRedisLocker(redis), () => health.IsAvailable, time)
    {
    }

    internal MetadataRedisLocker(IFusionCacheDistributedLocker locker, Func<bool> isAvailable, TimeProvider time)
    {
        _locker = locker;
        _isAvailable = isAvailable;
        _time = time;
    }

    public async ValueTask<object?> AcquireLockAsync(string cacheName, string cacheInstanceId, string operationId, string key,
        string lockName, TimeSpan timeout, ILogger? logger, CancellationToken token)
    {
        if (!_isAvailable())
        {
            return null; // "not acquired": FusionCache runs the factory without waiting
        }
        var handle = await _locker.AcquireLockAsync(cacheName, cacheInstanceId, operationId, key, lockName, timeout, logger, token);
        return handle is null
            ? null
            : new HeldLock(handle, h => _locker.ReleaseLockAsync(cacheName, cacheInstanceId, operationId, key, lockName, h, logger, CancellationToken.None),
                timeout, _time);
    }

    public async ValueTask ReleaseLockAsync(string cacheName, string cacheInstanceId, string operationId, string key,
        string lockName, object? lockObj, ILogger? logger, CancellationToken token)
    {
        if (lockObj is HeldLock held)
        {
            await held.ReleaseAsync();
        }
    }

    // The metadata cache calls FusionCache's async methods only.
    public object? AcquireLock(string cacheName, string cacheInstanceId, string operationId, string key, string lockName,
        TimeSpan timeout, ILogger? logger, CancellationToken token) =>
        throw new NotSupportedException("The metadata cache takes its locks asynchronously.");

    public void ReleaseLock(string cacheName, string cacheInstanceId, string operationId, string key, string lockName,
        object? lockObj, ILogger? logger, CancellationToken token) =>
        throw new NotSupportedException("The metadata cache releases its locks asynchronously.");

    // Never disposed: disposing it disposes its multiplexer, which is the app's shared connection.
    private static RedisDistributedLocker CreateRedisLocker(RedisConnection redis) =>
        new(new RedisDistributedLockerOptions { ConnectionMultiplexerFactory = () => Task.FromResult(redis.GetRequired()) });

    /// <summary>A lock handle released once: by its owner, or by its timer after the longest time anyone waits for it.</summary>
    private sealed class HeldLock
    {
        private readonly Func<object, ValueTask> _release;
        private readonly ITimer _expiry;
        private object? _handle;

        public HeldLock(object handle, Func<object, ValueTask> release, TimeSpan maxHold, TimeProvider time)
        {
            _handle = handle;
            _release = release;
            _expiry = time.CreateTimer(static state => _ = ((HeldLock)state!).ReleaseAsync().AsTask(), this, maxHold, Timeout.InfiniteTimeSpan);
        }

        public async ValueTask ReleaseAsync()
        {
            if (Interlocked.Exchange(ref _handle, null) is { } handle)
            {
                await _expiry.DisposeAsync();
                await _release(handle);
            }
        }
    }
}
