using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ModelGateway.RateLimiting;
using ModelGateway.Redis;

namespace ModelGateway.Health;

/// <summary>
/// Redis, through the app's one connection and its shared <see cref="RedisCircuit"/> signal: a <c>PING</c> whenever the
/// signal lets a caller through (so a probe also tells the signal, and can end an outage), else the signal's own state.
/// An unreachable Redis is <see cref="HealthStatus.Degraded"/> while the gateway fails open (it still serves, counting
/// per replica) and <see cref="HealthStatus.Unhealthy"/> while it fails closed (rate-limited requests get 503), as
/// <c>RateLimiting:RedisFailureMode</c> says. Without <c>ConnectionStrings:Redis</c> there is nothing to reach: healthy.
/// </summary>
internal sealed class RedisReadinessCheck(
    RedisConnection connection,
    RedisCircuit redisCircuit,
    IOptionsMonitor<RateLimitingOptions> rateLimiting,
    TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redisCircuit.IsConfigured)
        {
            return HealthCheckResult.Healthy("No Redis configured: cache and rate limits are kept in this replica's memory.");
        }
        if (redisCircuit.TryEnter())
        {
            try
            {
                var latency = await connection.GetRequired().GetDatabase().PingAsync();
                redisCircuit.ReportSuccess();
                return HealthCheckResult.Healthy($"Redis answered PING in {latency.TotalMilliseconds:0} ms.");
            }
            catch (Exception exception) when (RedisCircuit.IsRedisFailure(exception))
            {
                redisCircuit.ReportFailure(exception);
            }
        }
        return Unreachable();
    }

    private HealthCheckResult Unreachable()
    {
        var since = redisCircuit.UnavailableSince is { } start
            ? $" for {Math.Max(0, (time.GetUtcNow() - start).TotalSeconds):0} s"
            : string.Empty;
        return rateLimiting.CurrentValue.RedisFailureMode == RedisFailureMode.FailClosed
            ? HealthCheckResult.Unhealthy(
                $"Redis unreachable{since}; RateLimiting:RedisFailureMode is FailClosed, so rate-limited requests are refused with 503.")
            : HealthCheckResult.Degraded(
                $"Redis unreachable{since}; serving with per-replica rate limits and memory-only cache (RateLimiting:RedisFailureMode is FailOpen).");
    }
}
