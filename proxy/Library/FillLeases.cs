using System.Collections.Concurrent;
using ModelGateway.Redis;
using StackExchange.Redis;

namespace ModelGateway.Library;

/// <summary>
/// One fill per blob: in this process a lease per SHA-256, and across replicas — when Redis is configured — a Redis key
/// <c>model-gateway-library-fill:{sha256}</c> set only if absent, with a token and a 30-second expiry that the holder
/// renews every 10 seconds and deletes (only if it is still its own) when the fill ends. A replica that dies mid-fill
/// stops renewing: its lease expires, and the next caller fills. While Redis is unavailable, fills are single per replica
/// only (the download still works; two replicas may then fill the same blob, and the second publish is a no-op).
/// </summary>
internal sealed partial class FillLeases(RedisConnection redis, RedisCircuit redisHealth, TimeProvider time, ILogger<FillLeases> logger)
{
    public const string KeyPrefix = "model-gateway-library-fill:";

    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);

    /// <summary>How often a waiting caller looks again at a fill another replica holds.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private static readonly LuaScript Renew = LuaScript.Prepare(
        "if redis.call('get', @key) == @token then return redis.call('pexpire', @key, @ms) else return 0 end");

    private static readonly LuaScript Release = LuaScript.Prepare(
        "if redis.call('get', @key) == @token then return redis.call('del', @key) else return 0 end");

    private readonly ConcurrentDictionary<string, FillLease> _local = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time;
    private readonly RedisCircuit _redisHealth = redisHealth;

    public static RedisKey KeyFor(string sha256) => KeyPrefix + sha256;

    /// <summary>The lease of <paramref name="sha256"/>'s fill, or null when this or another replica holds it.</summary>
    public async Task<FillLease?> TryAcquireAsync(string sha256, CancellationToken cancellationToken)
    {
        var lease = new FillLease(this, sha256, Guid.NewGuid().ToString("N"));
        if (!_local.TryAdd(sha256, lease))
        {
            return null;
        }
        if (Database() is { } database)
        {
            try
            {
                if (!await database.StringSetAsync(KeyFor(sha256), lease.Token, Expiry, When.NotExists).WaitAsync(cancellationToken))
                {
                    _local.TryRemove(new(sha256, lease));
                    lease.Ended();
                    return null;
                }
                _redisHealth.ReportSuccess();
                lease.StartRenewing(database);
            }
            catch (Exception ex) when (RedisCircuit.IsRedisFailure(ex))
            {
                _redisHealth.ReportFailure(ex);
                Log.LeaseUnshared(logger, sha256);
            }
        }
        return lease;
    }

    /// <summary>Whether a fill of <paramref name="sha256"/> runs here or, as far as Redis tells, on another replica.</summary>
    public async Task<bool> IsFillingAsync(string sha256)
    {
        if (_local.ContainsKey(sha256))
        {
            return true;
        }
        if (Database() is not { } database)
        {
            return false;
        }
        try
        {
            var held = await database.KeyExistsAsync(KeyFor(sha256));
            _redisHealth.ReportSuccess();
            return held;
        }
        catch (Exception ex) when (RedisCircuit.IsRedisFailure(ex))
        {
            _redisHealth.ReportFailure(ex);
            return false;
        }
    }

    /// <summary>
    /// Waits until the fill of <paramref name="sha256"/> may have ended: this replica's ends, or one poll interval for
    /// another replica's.
    /// </summary>
    public Task WaitAsync(string sha256, CancellationToken cancellationToken) =>
        _local.TryGetValue(sha256, out var lease)
            ? lease.Completion.WaitAsync(PollInterval * 5, _time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default)
            : Task.Delay(PollInterval, _time, cancellationToken);

    // Asked whenever Redis is configured, even while the shared signal says it is out (another caller's timeout must not
    // split fills across replicas): a failing call costs this caller one short timeout, then the fill goes on locally.
    private IDatabase? Database() => redis.IsConfigured ? redis.Multiplexer?.GetDatabase() : null;

    private async Task ReleaseAsync(FillLease lease, IDatabase? database)
    {
        _local.TryRemove(new(lease.Sha256, lease));
        if (database is not null)
        {
            try
            {
                await database.ScriptEvaluateAsync(Release, new { key = KeyFor(lease.Sha256), token = lease.Token });
            }
            catch (Exception ex) when (RedisCircuit.IsRedisFailure(ex))
            {
                _redisHealth.ReportFailure(ex); // the key expires by itself
            }
        }
    }

    /// <summary>A held fill: renewed in Redis until disposed.</summary>
    internal sealed class FillLease(FillLeases owner, string sha256, string token) : IAsyncDisposable
    {
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = new();
        private IDatabase? _database;
        private Task _renewing = Task.CompletedTask;
        private int _disposed;

        public string Sha256 => sha256;

        public string Token => token;

        /// <summary>Completes when the lease is released.</summary>
        public Task Completion => _completion.Task;

        public void StartRenewing(IDatabase database)
        {
            _database = database;
            _renewing = RenewAsync(database);
        }

        public void Ended() => _completion.TrySetResult();

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }
            await _stop.CancelAsync();
            await _renewing;
            await owner.ReleaseAsync(this, _database);
            _stop.Dispose();
            Ended();
        }

        private async Task RenewAsync(IDatabase database)
        {
            try
            {
                while (true)
                {
                    await Task.Delay(RenewEvery, owner._time, _stop.Token);
                    try
                    {
                        await database.ScriptEvaluateAsync(Renew, new { key = KeyFor(sha256), token, ms = (long)Expiry.TotalMilliseconds });
                    }
                    catch (Exception ex) when (RedisCircuit.IsRedisFailure(ex))
                    {
                        owner._redisHealth.ReportFailure(ex);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // released
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Redis is unavailable: the fill of blob {Sha256} is single on this replica only.", EventName = "LibraryLeaseUnshared")]
        public static partial void LeaseUnshared(ILogger logger, string sha256);
    }
}
