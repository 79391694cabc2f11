using System.Net;
using ModelGateway.Egress;
using ModelGateway.UnitTests.Infrastructure;

namespace ModelGateway.UnitTests.Egress;

/// <summary><c>Egress:ProxyUrl</c> is read at startup: the guard keeps trusting the proxy the connection handlers use.</summary>
public sealed class EgressHopGuardProxyTests
{
    [Fact]
    public void IsTrustedConnection_ProxyUrlEditedLive_TheStartupProxyStaysTheProxy()
    {
        var monitor = new ReloadableOptionsMonitor<EgressOptions>(new EgressOptions { ProxyUrl = "http://10.0.0.5:3128" });
        var guard = new EgressHopGuard(monitor, [new Uri("http://10.0.0.5:3128")], new TableResolver([]));
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://files.example.com/a.safetensors");

        monitor.CurrentValue = new EgressOptions { ProxyUrl = "http://10.0.0.9:3128" };

        Assert.Equal(new Uri("http://10.0.0.5:3128"), guard.Proxy);
        Assert.True(guard.IsTrustedConnection(new DnsEndPoint("10.0.0.5", 3128), request));
        Assert.False(guard.IsTrustedConnection(new DnsEndPoint("10.0.0.9", 3128), request));
    }
}
