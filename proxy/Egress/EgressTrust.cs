using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>
/// Origins the admin configured — sources' <c>BaseUrl</c>s, YARP cluster destinations, the egress proxy. Such an origin
/// may sit on a private network and use any port, but only for the request that is meant for it: a named source's own
/// <see cref="EgressRequest.Trusted"/> request to its BaseUrl, or the connection to the proxy. A user's URL or a
/// redirect that names a trusted origin is checked like any other hop (and its name must resolve to public addresses
/// only, since a pooled connection a trusted request opened skips the connector's check).
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
