using System.Threading.RateLimiting;

namespace ModelGateway.RateLimiting;

/// <summary>How a request fared against its partition's window.</summary>
public enum RateLimitOutcome
{
    Permitted,
    Limited,

    /// <summary>Redis is down and the gateway is configured to fail closed.</summary>
    StoreUnavailable,
}

/// <summary>Where the decision was counted.</summary>
public enum RateLimitStore
{
    /// <summary>Shared by every replica.</summary>
    Redis,

    /// <summary>This replica's memory: no Redis configured, or Redis down with <see cref="RedisFailureMode.FailOpen"/>.</summary>
    Memory,

    /// <summary>Nowhere: Redis down with <see cref="RedisFailureMode.FailClosed"/>.</summary>
    None,
}

/// <summary>
/// One request's answer from the limiter, everything the response headers need. <see cref="ResetAfter"/> is the time
/// until the oldest counted request leaves the window, i.e. until one more permit is free.
/// </summary>
public sealed record RateLimitDecision(
    RateLimitOutcome Outcome,
    RateLimitStore Store,
    int Limit,
    TimeSpan Window,
    int Remaining,
    TimeSpan ResetAfter)
{
    /// <summary>Lease metadata carrying the decision to the rejection handler.</summary>
    public static readonly MetadataName<RateLimitDecision> MetadataName = new("GATEWAY_RATE_LIMIT_DECISION");

    public bool IsPermitted => Outcome == RateLimitOutcome.Permitted;

    public static RateLimitDecision Unavailable(int limit, TimeSpan window, TimeSpan retryAfter) =>
        new(RateLimitOutcome.StoreUnavailable, RateLimitStore.None, limit, window, 0, retryAfter);
}
