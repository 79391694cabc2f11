using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using ModelGateway.Auth;
using ModelGateway.Primitives;
using ModelGateway.Redis;

namespace ModelGateway.RateLimiting;

/// <summary>
/// The <c>per-key</c> policy: one sliding window per API key (its <c>ApiKeys:N:PermitLimit</c>, else
/// <c>RateLimiting:PermitLimit</c>); requests without a key, on routes that allow them, one window per client address.
/// Refusals answer 429 <c>RATE_LIMITED</c>, or 503 <c>SERVICE_UNAVAILABLE</c> when Redis is down and the gateway fails
/// closed.
/// </summary>
public sealed class GatewayRateLimiterPolicy(
    IOptions<RateLimitingOptions> options,
    RedisConnection redis,
    RedisCircuitBreaker breaker,
    TimeProvider time,
    IHttpContextAccessor httpContextAccessor) : IRateLimiterPolicy<RateLimitPartitionKey>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = WriteRejectionAsync;

    public RateLimitPartition<RateLimitPartitionKey> GetPartition(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var key = PartitionFor(httpContext.User, httpContext.Connection.RemoteIpAddress, options.Value.PermitLimit);
        return RateLimitPartition.Get(key, k =>
            new GatewayPartitionLimiter(k, RateLimitingDefaults.PolicyName, options.Value, redis, breaker, time, httpContextAccessor));
    }

    /// <summary>An authenticated key is counted by its name; anything else by the client's address.</summary>
    public static RateLimitPartitionKey PartitionFor(ClaimsPrincipal? user, IPAddress? clientAddress, int defaultPermitLimit)
    {
        if (user?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name })
        {
            var limit = int.TryParse(user.FindFirst(ApiKeyDefaults.PermitLimitClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var own) && own > 0
                ? own
                : defaultPermitLimit;
            return new RateLimitPartitionKey("key:" + name, limit);
        }
        var address = clientAddress is null ? "unknown" : (clientAddress.IsIPv4MappedToIPv6 ? clientAddress.MapToIPv4() : clientAddress).ToString();
        return new RateLimitPartitionKey("ip:" + address, defaultPermitLimit);
    }

    private static async ValueTask WriteRejectionAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var response = context.HttpContext.Response;
        ErrorResponse error;
        if (context.Lease.TryGetMetadata(RateLimitDecision.MetadataName, out var decision) && decision is { Outcome: RateLimitOutcome.StoreUnavailable })
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            error = new ErrorResponse(ErrorCodes.ServiceUnavailable,
                "The rate limit store is unreachable, so requests are refused for now. Retry after "
                + RateLimitHeaders.RetryAfterSeconds(decision.ResetAfter).ToString(CultureInfo.InvariantCulture) + " seconds.");
        }
        else
        {
            response.StatusCode = StatusCodes.Status429TooManyRequests;
            error = new ErrorResponse(ErrorCodes.RateLimited, decision is null
                ? "Too many requests."
                : string.Create(CultureInfo.InvariantCulture,
                    $"Too many requests: the limit is {decision.Limit} per {RateLimitHeaders.Seconds(decision.Window)} seconds. Retry after {RateLimitHeaders.RetryAfterSeconds(decision.ResetAfter)} seconds."));
        }
        await response.WriteAsJsonAsync(error, GatewayJson.Options, cancellationToken);
    }
}

/// <summary>Names routes and endpoints use.</summary>
public static class RateLimitingDefaults
{
    /// <summary>The policy for <c>RequireRateLimiting</c> and YARP's route <c>RateLimiterPolicy</c>.</summary>
    public const string PolicyName = "per-key";
}
