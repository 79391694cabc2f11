using System.Security.Claims;
using Microsoft.Extensions.Options;
using ModelGateway.Auth;
using ModelGateway.Policy;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;

namespace Microsoft.AspNetCore.Builder;

internal static class PolicyEndpoints
{
    public const string PolicyPath = "/api/assets/policy";

    /// <summary>
    /// <c>GET /api/assets/policy</c>: the caller's effective policy — what its key may fetch and how often — so a client
    /// can check a file before it asks for it. Behind the API key and the per-key rate limit.
    /// </summary>
    public static IEndpointConventionBuilder MapAssetPolicy(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(PolicyPath, (HttpContext context, PolicyProvider policies, IOptionsMonitor<RateLimitingOptions> rateLimits) =>
            {
                var caller = context.User;
                var profile = caller.FindFirstValue(ApiKeyDefaults.PolicyProfileClaim);
                var limits = rateLimits.CurrentValue;
                var partition = RateLimitPartitionKey.For(caller, context.Connection.RemoteIpAddress, limits.PermitLimit);
                return TypedResults.Json(EffectivePolicyResponse.From(caller.Identity?.Name ?? "anonymous", profile, policies.For(profile),
                    policies.For(profile: null), partition.PermitLimit, limits.WindowSeconds), GatewayJson.Options);
            })
            .RequireAuthorization(ApiKeyDefaults.PolicyName)
            .RequireRateLimiting(RateLimitingDefaults.PolicyName)
            .WithName("GetEffectivePolicy");
    }
}
