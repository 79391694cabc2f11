namespace ModelGateway.RateLimiting;

/// <summary>How a request fared against its partition's window.</summary>
internal enum RateLimitOutcome
{
    Permitted,
    Limited,

    /// <summary>Redis is down and the gateway is configured to fail closed: nothing was counted.</summary>
    StoreUnavailable,
}

/// <summary>
/// One request's answer from the limiter, everything the response headers and a refusal need. It travels with the
/// request as an <see cref="HttpContext"/> feature. <see cref="ResetAfter"/> is the time until the oldest counted
/// request leaves the window, i.e. until one more permit is free.
/// </summary>
internal sealed record RateLimitDecision(
    RateLimitOutcome Outcome,
    int Limit,
    TimeSpan Window,
    int Remaining,
    TimeSpan ResetAfter)
{
    public bool IsPermitted => Outcome == RateLimitOutcome.Permitted;

    public static RateLimitDecision Unavailable(int limit, TimeSpan window, TimeSpan retryAfter) =>
        new(RateLimitOutcome.StoreUnavailable, limit, window, 0, retryAfter);
}
