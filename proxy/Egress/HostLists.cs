using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>
/// The host-list rule, in one place: a host a caller's request may reach passes the base policy's lists (they bound
/// every request, whoever asks: facts are shared) and the caller's own. The pasted URL's host is held to it before
/// anything is sent, and so is every hop of a download but the source's own.
/// </summary>
internal static class HostLists
{
    /// <summary>Whether <paramref name="host"/> passes <paramref name="allowedHosts"/>/<paramref name="blockedHosts"/> and, when given, <paramref name="callerPolicy"/>'s lists.</summary>
    public static bool Allow(string host, IReadOnlyList<string> allowedHosts, IReadOnlyList<string> blockedHosts, PolicySettings? callerPolicy) =>
        HostPolicy.IsAllowed(host, allowedHosts, blockedHosts) && (callerPolicy is null || HostPolicy.IsAllowed(host, callerPolicy));

    /// <summary>As above, the base lists being <paramref name="basePolicy"/>'s.</summary>
    public static bool Allow(string host, PolicySettings basePolicy, PolicySettings? callerPolicy)
    {
        ArgumentNullException.ThrowIfNull(basePolicy);
        return Allow(host, basePolicy.AllowedHosts, basePolicy.BlockedHosts, callerPolicy);
    }
}
