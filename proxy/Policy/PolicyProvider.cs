using Microsoft.Extensions.Options;
using ModelGateway.Policies;

namespace ModelGateway.Policy;

/// <summary>
/// The effective policy for a caller: its key's profile laid over the base policy, resolved on each call from the
/// <c>Policy</c> and <c>PolicyProfiles</c> sections as they are now (a valid live edit of the files applies at once).
/// </summary>
internal sealed class PolicyProvider(IOptionsMonitor<GatewayPolicyOptions> options)
{
    /// <param name="profile">The profile the caller's API key names, or null for the base policy.</param>
    public PolicySettings For(string? profile)
    {
        var current = options.CurrentValue;
        var overlay = profile is not null && current.Profiles.TryGetValue(profile, out var found) ? found : null;
        return PolicySettings.Resolve(current.Policy, overlay);
    }
}
