using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ModelGateway.Egress;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>
/// The resolver the security tests inject: names from a table (loopback only), loopback literals as themselves,
/// everything else "not found". So no test can send a packet anywhere but this machine, whatever URL it tries.
/// </summary>
public sealed class LoopbackResolver : IEgressResolver
{
    private readonly Dictionary<string, IPAddress[]> _names;

    public LoopbackResolver(Dictionary<string, IPAddress[]> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Values.SelectMany(a => a).FirstOrDefault(a => !IPAddress.IsLoopback(a) && !IsUnroutable(a)) is { } outside)
        {
            throw new ArgumentException($"{outside} is neither loopback nor unroutable; tests must stay on this machine.", nameof(names));
        }
        _names = names;
    }

    public ConcurrentQueue<string> Asked { get; } = new();

    public ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        Asked.Enqueue(host);
        if (_names.TryGetValue(host, out var addresses))
        {
            return ValueTask.FromResult(addresses);
        }
        if (IPAddress.TryParse(host, out var literal) && IPAddress.IsLoopback(literal))
        {
            return ValueTask.FromResult<IPAddress[]>([literal]);
        }
        return ValueTask.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }

    // Private ranges the connector must refuse anyway; they may appear in answers to prove it does.
    private static bool IsUnroutable(IPAddress address) =>
        address.ToString() is "10.0.0.1" or "192.168.1.1" or "169.254.169.254" or "fd00::1" or "0.0.0.0" or "::";
}
