namespace ModelGateway.Policies;

/// <summary>Host allow/deny lists, checked before any upstream request.</summary>
public static class HostPolicy
{
    /// <summary>True when <paramref name="host"/> may be probed under <paramref name="policy"/>.</summary>
    public static bool IsAllowed(string host, PolicySettings policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return IsAllowed(host, policy.AllowedHosts, policy.BlockedHosts);
    }

    /// <summary>
    /// True when <paramref name="host"/> matches no pattern of <paramref name="blockedHosts"/> and, unless
    /// <paramref name="allowedHosts"/> is empty (any host), one of it. The patterns must be normalized.
    /// </summary>
    public static bool IsAllowed(string host, IReadOnlyList<string> allowedHosts, IReadOnlyList<string> blockedHosts)
    {
        ArgumentNullException.ThrowIfNull(allowedHosts);
        ArgumentNullException.ThrowIfNull(blockedHosts);
        var normalized = NormalizeHost(host);
        if (blockedHosts.Any(pattern => Matches(pattern, normalized)))
        {
            return false;
        }
        return allowedHosts.Count == 0 || allowedHosts.Any(pattern => Matches(pattern, normalized));
    }

    /// <summary>The first of <paramref name="hosts"/> that <paramref name="policy"/> does not allow, or null when it allows them all.</summary>
    public static string? FirstNotAllowed(IEnumerable<string> hosts, PolicySettings policy)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(policy);
        return hosts.FirstOrDefault(host => !IsAllowed(host, policy));
    }

    /// <summary>
    /// <c>*.example.com</c> matches any subdomain of example.com (not example.com itself); any other pattern
    /// matches exactly. Both sides must be normalized.
    /// </summary>
    public static bool Matches(string pattern, string host)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(host);
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = pattern[1..]; // ".example.com"
            return host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.Ordinal);
        }
        return string.Equals(pattern, host, StringComparison.Ordinal);
    }

    /// <summary>Lower-case, without a trailing dot and IPv6 brackets, so <c>Example.COM.</c> equals <c>example.com</c>.</summary>
    public static string NormalizeHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var h = host.Trim().ToLowerInvariant();
        if (h.StartsWith('[') && h.EndsWith(']'))
        {
            h = h[1..^1];
        }
        return h.TrimEnd('.');
    }

    /// <summary>Whether a configured pattern is well formed (a host name, or <c>*.</c> followed by one).</summary>
    public static bool IsValidPattern(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            return false;
        }
        var name = NormalizeHost(pattern);
        if (name.StartsWith("*.", StringComparison.Ordinal))
        {
            name = name[2..];
        }
        return name.Length is > 0 and <= 253
            && Uri.CheckHostName(name) != UriHostNameType.Unknown
            && !name.Contains('*', StringComparison.Ordinal);
    }
}
