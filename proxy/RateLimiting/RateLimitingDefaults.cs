namespace ModelGateway.RateLimiting;

/// <summary>Names routes, endpoints and the key check use.</summary>
internal static class RateLimitingDefaults
{
    /// <summary>The policy for <c>RequireRateLimiting</c> and YARP's route <c>RateLimiterPolicy</c>.</summary>
    public const string PolicyName = "per-key";

    /// <summary>The claim an authenticated key carries when it has its own <c>ApiKeys:N:PermitLimit</c>.</summary>
    public const string PermitLimitClaim = Callers.Caller.PermitLimitClaim;
}
