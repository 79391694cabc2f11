using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>
/// Origins the admin configured — sources' <c>BaseUrl</c>s, YARP cluster destinations, the egress proxy: these may sit
/// on a private network and use any port, because an admin, not a user, chose them. Everything else a probe reaches
/// must be public, on an allowed port.
/// </summary>
public sealed class EgressTrust
{
    private readonly HashSet<(string Host, int Port)> _origins = [];

    public EgressTrust(IEnumerable<Uri> trustedOrigins)
    {
        ArgumentNullException.ThrowIfNull(trustedOrigins);
        foreach (var origin in trustedOrigins)
        {
            _origins.Add((HostPolicy.NormalizeHost(origin.IdnHost), origin.Port));
        }
    }

    /// <summary>Whether host:port is a configured origin; <paramref name="normalizedHost"/> as <see cref="HostPolicy.NormalizeHost"/> gives it.</summary>
    public bool IsTrusted(string normalizedHost, int port) => _origins.Contains((normalizedHost, port));

    /// <summary>Whether <paramref name="url"/>'s host and port are a configured origin.</summary>
    public bool IsTrusted(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return IsTrusted(HostPolicy.NormalizeHost(url.IdnHost), url.Port);
    }
}
