using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ModelGateway.ForwardProxy;

/// <summary>The tunnels (relayed or intercepted) each key holds open on this replica, bounded by <c>ForwardProxy:MaxTunnelsPerKey</c>.</summary>
internal sealed class ProxyTunnelSlots(IOptions<ForwardProxyOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);
    private readonly int _limit = options.Value.MaxTunnelsPerKey;

    /// <summary>A slot for <paramref name="keyName"/>, released when disposed; null when it holds the most already.</summary>
    public IDisposable? TryAcquire(string keyName)
    {
        while (true)
        {
            var current = _open.GetValueOrDefault(keyName);
            if (current >= _limit)
            {
                return null;
            }
            if (current == 0 ? _open.TryAdd(keyName, 1) : _open.TryUpdate(keyName, current + 1, current))
            {
                return new Slot(this, keyName);
            }
        }
    }

    /// <summary>Tunnels <paramref name="keyName"/> holds open.</summary>
    public int OpenFor(string keyName) => _open.GetValueOrDefault(keyName);

    private void Release(string keyName)
    {
        while (true)
        {
            var current = _open[keyName];
            if (current == 1 ? _open.TryRemove(KeyValuePair.Create(keyName, 1)) : _open.TryUpdate(keyName, current - 1, current))
            {
                return;
            }
        }
    }

    private sealed class Slot(ProxyTunnelSlots slots, string keyName) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release(keyName);
            }
        }
    }
}
