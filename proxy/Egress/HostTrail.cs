using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>
/// The hosts the requests of one probe went to (<see cref="EgressRequest.Trail"/>): each once, in the order first
/// reached, normalized. Safe for requests sent side by side.
/// </summary>
internal sealed class HostTrail
{
    private readonly List<string> _hosts = [];

    /// <summary>The hosts recorded so far.</summary>
    public IReadOnlyList<string> Hosts
    {
        get
        {
            lock (_hosts)
            {
                return [.. _hosts];
            }
        }
    }

    /// <summary>Records <paramref name="url"/>'s host (a malformed one is not recorded: no request can go there).</summary>
    public void Record(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        string host;
        try
        {
            host = HostPolicy.NormalizeHost(url.IdnHost);
        }
        catch (UriFormatException)
        {
            return;
        }
        lock (_hosts)
        {
            if (host.Length > 0 && !_hosts.Contains(host))
            {
                _hosts.Add(host);
            }
        }
    }
}
