using Microsoft.Extensions.Options;
using ModelGateway.Redis;

namespace ModelGateway.RateLimiting;

/// <summary>
/// Decides one request against its partition's sliding window: in Redis (<see cref="RedisSlidingWindow"/>, one round
/// trip, shared by every replica) when <c>ConnectionStrings:Redis</c> is set and <see cref="RedisHealth"/> lets the
/// call through; otherwise as <see cref="RedisFailureMode"/> says — in this replica's memory, or not at all.
/// Without Redis the decision is made synchronously.
/// </summary>
internal sealed class GatewayRateLimiter(
    IOptionsMonitor<RateLimitingOptions> options,
    RedisHealth redisHealth,
    RedisSlidingWindow redis,
    MemorySlidingWindows memory)
{
    public ValueTask<RateLimitDecision> DecideAsync(RateLimitPartitionKey partition)
    {
        if (!redisHealth.IsConfigured)
        {
            return new(memory.TryAcquire(partition));
        }
        return redisHealth.TryEnter() ? DecideInRedisAsync(partition) : new(DecideWithoutRedis(partition));
    }

    private async ValueTask<RateLimitDecision> DecideInRedisAsync(RateLimitPartitionKey partition)
    {
        try
        {
            var decision = await redis.TryAcquireAsync(partition, options.CurrentValue.Window);
            redisHealth.ReportSuccess();
            return decision;
        }
        catch (Exception exception) when (RedisHealth.IsRedisFailure(exception))
        {
            redisHealth.ReportFailure(exception);
            return DecideWithoutRedis(partition);
        }
    }

    private RateLimitDecision DecideWithoutRedis(RateLimitPartitionKey partition)
    {
        var current = options.CurrentValue;
        return current.RedisFailureMode == RedisFailureMode.FailClosed
            ? RateLimitDecision.Unavailable(partition.PermitLimit, current.Window, redisHealth.RetryAfter)
            : memory.TryAcquire(partition);
    }
}
