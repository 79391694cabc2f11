using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using ModelGateway.Redis;
using StackExchange.Redis;

namespace ModelGateway.RateLimiting;

/// <summary>
/// The sliding-window log shared by every replica: one sorted set per partition in Redis (member = one counted
/// request, score = when, in microseconds of Redis's own clock), decided by one script call — one round trip per
/// request, or per burst of a partition's concurrent requests (<see cref="TryAcquireAsync"/>). The script trims the window, decides, counts and answers everything the headers need, all on the server's
/// clock, so replicas whose clocks disagree still count the same window.
/// </summary>
/// <remarks>
/// A configured key's window has no expiry, so a Redis under memory pressure with a <c>volatile-*</c> eviction
/// policy evicts cached metadata (which always expires) and never a counter: a counter evicted early would let its key
/// exceed its limit. Redis deletes a window when its last request leaves it (at the key's next request); an idle
/// key's window keeps at most its limit's entries. Client addresses (anonymous callers on open routes) are unbounded
/// in number, so their windows expire with the window.
/// </remarks>
internal sealed class RedisSlidingWindow(RedisConnection connection)
{
    /// <summary>
    /// Every key starts with this and holds the partition (a key's name or a client address — never a key) as its hash
    /// tag. The metadata cache's keys start with "model-gateway:", so neither can collide with the other.
    /// </summary>
    public const string KeyPrefix = "model-gateway-ratelimit:";

    /// <summary>The most requests one script call counts (two Lua stack slots each for ZADD's arguments).</summary>
    public const int MaxBatch = 256;

    // One key per call (Redis Cluster safe). Counts up to @requests requests while the window has room and answers
    // { requests permitted, requests counted after them, microseconds until the oldest leaves the window }. TIME makes
    // the script non-deterministic: fine since Redis 5 replicates its effects.
    private static readonly LuaScript Script = LuaScript.Prepare("""
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
        local window = tonumber(@windowMicroseconds)
        redis.call('ZREMRANGEBYSCORE', @key, '-inf', now - window)
        local count = redis.call('ZCARD', @key)
        local permitted = math.min(tonumber(@requests), math.max(tonumber(@permitLimit) - count, 0))
        if permitted > 0 then
            local entries = {}
            for i = 1, permitted do
                entries[2 * i - 1] = now
                entries[2 * i] = @member .. i
            end
            redis.call('ZADD', @key, unpack(entries))
            if tonumber(@expires) == 1 then
                redis.call('PEXPIRE', @key, math.ceil(window / 1000))
            end
            count = count + permitted
        end
        local oldest = redis.call('ZRANGE', @key, 0, 0, 'WITHSCORES')
        return { permitted, count, tonumber(oldest[2]) + window - now }
        """);

    // Members must be unique per request across replicas: this replica's random prefix, a counter per call, and the
    // request's place in the call.
    private readonly string _memberPrefix = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)) + ":";
    private long _calls;

    // The partitions with requests waiting for, or in, a script call. A partition leaves when it has none.
    private readonly ConcurrentDictionary<string, PartitionQueue> _queues = new(StringComparer.Ordinal);

    /// <summary>
    /// Counts one request of <paramref name="partition"/> if its window has room. Throws when Redis fails. A request
    /// that arrives while a call for its partition is in flight waits for it and goes with the others that did into the
    /// next call: one round trip counts them all, in the order they arrived, each before it is let through — so the
    /// window is exactly as shared as with one call per request, and a busy key costs Redis one call per round trip,
    /// not one per request.
    /// </summary>
    public Task<RateLimitDecision> TryAcquireAsync(RateLimitPartitionKey partition, TimeSpan window)
    {
        if (connection.Multiplexer is not { IsConnected: true })
        {
            // A command would wait in the backlog for the whole timeout. Don't.
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Not connected.");
        }
        var waiter = new Waiter(partition, window);
        while (true)
        {
            var queue = _queues.GetOrAdd(partition.Id, static _ => new PartitionQueue());
            if (queue.TryEnqueue(waiter, out var startsCall))
            {
                if (startsCall)
                {
                    _ = RunCallsAsync(partition.Id, queue);
                }
                return waiter.Decision;
            }
            // Retired by its last call in between: make sure it is gone, then queue in a fresh one.
            _queues.TryRemove(KeyValuePair.Create(partition.Id, queue));
        }
    }

    /// <summary>Script calls for <paramref name="queue"/> until no request waits; the first is sent before this returns.</summary>
    private async Task RunCallsAsync(string partitionId, PartitionQueue queue)
    {
        while (queue.TakeBatch() is { } batch)
        {
            try
            {
                var last = batch[^1].Partition; // the newest limit, should a reload have changed it
                var (permitted, count, resetAfter) = await EvaluateAsync(last, batch[^1].Window, batch.Count);
                var before = count - permitted; // counted before this call's requests
                for (var i = 0; i < batch.Count; i++)
                {
                    var isPermitted = i < permitted;
                    batch[i].Complete(ToDecision(isPermitted, isPermitted ? before + i + 1 : count, resetAfter, last.PermitLimit, batch[i].Window));
                }
            }
            catch (Exception exception)
            {
                // When its connection closes under a call (a restart, a failover), StackExchange.Redis cancels the commands
                // in flight, or its reader throws. No caller cancels this call and the script is ours: whatever it throws
                // is a failure of Redis, so the fail mode applies, never a 500.
                var failure = exception is RedisException
                    ? exception
                    : new RedisConnectionException(ConnectionFailureType.ConnectionDisposed,
                        $"The rate-limit call failed as its Redis connection closed ({exception.GetType().Name}).", exception);
                foreach (var waiter in batch)
                {
                    waiter.Fail(failure);
                }
            }
        }
        _queues.TryRemove(KeyValuePair.Create(partitionId, queue));
    }

    private async Task<(long Permitted, long Count, long ResetAfter)> EvaluateAsync(RateLimitPartitionKey partition, TimeSpan window, int requests)
    {
        var multiplexer = connection.Multiplexer ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Not connected.");
        var reply = await Script.EvaluateAsync(multiplexer.GetDatabase(), new
        {
            key = KeyFor(partition.Id),
            permitLimit = partition.PermitLimit,
            windowMicroseconds = (long)window.TotalMicroseconds,
            requests,
            member = _memberPrefix + Interlocked.Increment(ref _calls).ToString(CultureInfo.InvariantCulture) + ":",
            expires = partition.IsClientAddress ? 1 : 0,
        });
        var values = (long[]?)reply ?? throw new RedisServerException("The rate-limit script answered nothing.");
        return values is [var permitted, var count, var resetAfter]
            ? (permitted, count, resetAfter)
            : throw new RedisServerException("The rate-limit script answered " + values.Length + " values, not 3.");
    }

    public static RedisKey KeyFor(string partitionId) => KeyPrefix + "{" + partitionId + "}";

    /// <summary>The script's answer as a decision; figures outside the window's bounds are clamped into them.</summary>
    public static RateLimitDecision ToDecision(bool permitted, long count, long resetAfterMicroseconds, int limit, TimeSpan window)
    {
        var resetAfter = TimeSpan.FromMicroseconds(resetAfterMicroseconds);
        return new RateLimitDecision(
            permitted ? RateLimitOutcome.Permitted : RateLimitOutcome.Limited,
            limit,
            window,
            (int)Math.Clamp(limit - count, 0, limit),
            resetAfter < TimeSpan.Zero ? TimeSpan.Zero : resetAfter > window ? window : resetAfter);
    }

    /// <summary>One request waiting for its decision.</summary>
    private sealed class Waiter(RateLimitPartitionKey partition, TimeSpan window)
    {
        // Continuations run elsewhere: the calls' loop must not run a request's pipeline before it sends the next call.
        private readonly TaskCompletionSource<RateLimitDecision> _decision = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public RateLimitPartitionKey Partition => partition;

        public TimeSpan Window => window;

        public Task<RateLimitDecision> Decision => _decision.Task;

        public void Complete(RateLimitDecision decision) => _decision.TrySetResult(decision);

        public void Fail(Exception exception) => _decision.TrySetException(exception);
    }

    /// <summary>A partition's waiting requests, and whether a call for it is in flight.</summary>
    private sealed class PartitionQueue
    {
        private readonly Lock _lock = new();
        private List<Waiter> _waiting = [];
        private bool _calling;
        private bool _retired;

        /// <summary>False when the queue was retired: the caller takes a fresh one. <paramref name="startsCall"/>: no call is in flight, the caller starts one.</summary>
        public bool TryEnqueue(Waiter waiter, out bool startsCall)
        {
            lock (_lock)
            {
                startsCall = false;
                if (_retired)
                {
                    return false;
                }
                _waiting.Add(waiter);
                startsCall = !_calling;
                _calling = true;
                return true;
            }
        }

        /// <summary>The next call's requests (oldest first, at most <see cref="MaxBatch"/>), or null: none wait, the queue is retired.</summary>
        public List<Waiter>? TakeBatch()
        {
            lock (_lock)
            {
                if (_waiting.Count == 0)
                {
                    _calling = false;
                    _retired = true;
                    return null;
                }
                if (_waiting.Count <= MaxBatch)
                {
                    var batch = _waiting;
                    _waiting = [];
                    return batch;
                }
                var first = _waiting.GetRange(0, MaxBatch);
                _waiting.RemoveRange(0, MaxBatch);
                return first;
            }
        }
    }
}
