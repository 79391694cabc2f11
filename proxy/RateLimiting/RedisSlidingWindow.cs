using System.Security.Cryptography;
using ModelGateway.Redis;
using StackExchange.Redis;

namespace ModelGateway.RateLimiting;

/// <summary>
/// The sliding-window log shared by every replica: one sorted set per partition in Redis (member = one counted
/// request, score = when, in microseconds of Redis's own clock), decided by one script call — one round trip per
/// request. The script trims the window, decides, counts and answers everything the headers need, all on the server's
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

    // One key per call (Redis Cluster safe). Answers { permitted 0|1, requests counted, microseconds until the
    // oldest leaves the window }. TIME makes the script non-deterministic: fine since Redis 5 replicates its effects.
    private static readonly LuaScript Script = LuaScript.Prepare("""
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
        local window = tonumber(@windowMicroseconds)
        redis.call('ZREMRANGEBYSCORE', @key, '-inf', now - window)
        local count = redis.call('ZCARD', @key)
        local permitted = 0
        if count < tonumber(@permitLimit) then
            redis.call('ZADD', @key, now, @member)
            if tonumber(@expires) == 1 then
                redis.call('PEXPIRE', @key, math.ceil(window / 1000))
            end
            count = count + 1
            permitted = 1
        end
        local oldest = redis.call('ZRANGE', @key, 0, 0, 'WITHSCORES')
        return { permitted, count, tonumber(oldest[2]) + window - now }
        """);

    // Members must be unique per request across replicas: this replica's random prefix and a counter.
    private readonly string _memberPrefix = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)) + ":";
    private long _requests;

    /// <summary>Counts one request of <paramref name="partition"/> if its window has room. Throws when Redis fails.</summary>
    public async Task<RateLimitDecision> TryAcquireAsync(RateLimitPartitionKey partition, TimeSpan window)
    {
        if (connection.Multiplexer is not { IsConnected: true } multiplexer)
        {
            // A command would wait in the backlog for the whole timeout. Don't.
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Not connected.");
        }
        var reply = await Script.EvaluateAsync(multiplexer.GetDatabase(), new
        {
            key = KeyFor(partition.Id),
            permitLimit = partition.PermitLimit,
            windowMicroseconds = (long)window.TotalMicroseconds,
            member = _memberPrefix + Interlocked.Increment(ref _requests),
            expires = partition.IsClientAddress ? 1 : 0,
        });
        var values = (long[]?)reply ?? throw new RedisServerException("The rate-limit script answered nothing.");
        return values is [var permitted, var count, var resetAfter]
            ? ToDecision(permitted == 1, count, resetAfter, partition.PermitLimit, window)
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
}
