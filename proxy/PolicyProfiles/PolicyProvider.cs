using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ModelGateway.Policies;

namespace ModelGateway.PolicyProfiles;

/// <summary>
/// The effective policy for a caller: its key's profile laid over the base policy, from the <c>Policy</c> and
/// <c>PolicyProfiles</c> sections as they are now (a valid live edit of the files applies at once). Each policy is
/// resolved once per configuration, not per request: a reload gives a new options instance, which starts afresh.
/// </summary>
internal sealed class PolicyProvider(IOptionsMonitor<GatewayPolicyOptions> options)
{
    private Resolved? _resolved;

    /// <param name="profile">The profile the caller's API key names, or null for the base policy.</param>
    public PolicySettings For(string? profile)
    {
        var current = options.CurrentValue;
        var resolved = _resolved;
        if (resolved is null || !ReferenceEquals(resolved.Options, current))
        {
            resolved = new Resolved(current);
            _resolved = resolved;
        }
        return profile is null ? resolved.Base : resolved.Profile(profile);
    }

    /// <summary>The policies of one configuration. <see cref="PolicySettings"/> is immutable, so callers share them.</summary>
    private sealed class Resolved(GatewayPolicyOptions options)
    {
        // Keyed by the name as keys give it (configured names: a bounded set).
        private readonly ConcurrentDictionary<string, PolicySettings> _profiles = new(StringComparer.Ordinal);

        public GatewayPolicyOptions Options => options;

        public PolicySettings Base { get; } = PolicySettings.Resolve(options.Policy);

        public PolicySettings Profile(string profile) => _profiles.GetOrAdd(profile, static (name, options) =>
            PolicySettings.Resolve(options.Policy, options.Profiles.TryGetValue(name, out var found) ? found : null), options);
    }
}
