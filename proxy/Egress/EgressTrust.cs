using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>
/// Origins the admin configured (sources' <c>BaseUrl</c>s): these may sit on a private network, because an admin —
/// not a user — chose them. Everything else a probe reaches must be public.
/// </summary>
public sealed class EgressTrust
{
    private readonly HashSet<(string Host, int Port)> _origins = [];

    public EgressTrust(IEnumerable<Uri> trustedOrigins)
    {
        ArgumentNullException.ThrowIfNull(trustedOrigins);
        foreach (var origin in trustedOrigins)
        {
            _origins.Add((HostPolicy.NormalizeHost(origin.Host), origin.Port));
        }
    }

    public bool IsTrusted(string normalizedHost, int port) => _origins.Contains((normalizedHost, port));
}
