using Microsoft.Extensions.Options;
using ModelGateway.Redis;

namespace ModelGateway.RateLimiting;

/// <summary>
/// Decides one request against its partition's sliding window: in Redis (<see cref="RedisSlidingWindow"/>, one round
/// trip, shared by every replica) when <c>ConnectionStrings:Redis</c> is set and <see cref="RedisCircuit"/> lets the
/// call through; otherwise as <see cref="RedisFailureMode"/> says — in this replica's memory, or not at all.
/// Without Redis the decision is made synchronously.
/// </summary>
internal sealed class GatewayRateLimiter(
    IOptionsMonitor<RateLimitingOptions> options,
    RedisCircuit redisCircuit,
    RedisSlidingWindow redis,
    MemorySlidingWindows memory)
{
    public ValueTask<RateLimitDecision> DecideAsync(RateLimitPartitionKey partition)
    {
        if (!redisCircuit.IsConfigured)
        {
            return new(memory.TryAcquire(partition));
        }
        return redisCircuit.TryEnter() ? DecideInRedisAsync(partition) : new(DecideWithoutRedis(partition));
    }

    private async ValueTask<RateLimitDecision> DecideInRedisAsync(RateLimitPartitionKey partition)
    {
        try
        {
            var decision = await redis.TryAcquireAsync(partition, options.CurrentValue.Window);
            redisCircuit.ReportSuccess();
            return decision;
        }
        catch (Exception exception) when (RedisCircuit.IsRedisFailure(exception))
        {
            redisCircuit.ReportFailure(exception);
            return DecideWithoutRedis(partition);
        }
    }

    private RateLimitDecision DecideWithoutRedis(RateLimitPartitionKey partition)
    {
        var current = options.CurrentValue;
        return current.RedisFailureMode == RedisFailureMode.FailClosed
            ? RateLimitDecision.Unavailable(partition.PermitLimit, current.Window, redisCircuit.RetryAfter)
            : memory.TryAcquire(partition);
    }
}
