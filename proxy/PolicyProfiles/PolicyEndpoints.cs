using Microsoft.Extensions.Options;
using ModelGateway.Callers;
using ModelGateway.PolicyProfiles;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;

namespace Microsoft.AspNetCore.Builder;

internal static class PolicyEndpoints
{
    /// <summary>
    /// <c>GET /api/assets/policy</c> on the asset group (<paramref name="assets"/>, which holds the API key and the
    /// per-key rate limit): the caller's effective policy — what its key may fetch and how often — so a client can check
    /// a file before it asks for it.
    /// </summary>
    public static IEndpointConventionBuilder MapAssetPolicy(this IEndpointRouteBuilder assets)
    {
        ArgumentNullException.ThrowIfNull(assets);
        return assets.MapGet("/policy", (HttpContext context, PolicyProvider policies, IOptionsMonitor<RateLimitingOptions> rateLimits) =>
            {
                var caller = context.GetCaller();
                return TypedResults.Json(EffectivePolicyResponse.From(caller.Name, caller.Profile, policies.For(caller.Profile),
                    policies.For(profile: null), caller.PermitLimit, rateLimits.CurrentValue.WindowSeconds), GatewayJson.Options);
            })
            .WithName("GetEffectivePolicy");
    }
}
