using System.Net;
using ModelGateway.Egress;

namespace ModelGateway.IntegrationTests.Security;

public sealed class ConnectTimeoutTests
{
    [Fact]
    public async Task RemoteMetadata_ConnectionNeverOpens_NetworkTimeoutAfterConnectTimeout()
    {
        await using var gateway = new SecurityGateway(new()
        {
            ["Egress:AllowPrivateNetworks"] = "false",
            ["Egress:ConnectTimeoutSeconds"] = "1",
            ["Egress:TimeoutSeconds"] = "5",
        }, new HangingResolver());

        var (status, code, body) = await gateway.ProbeAsync("https://slow-dns.example.com/model.safetensors");

        Assert.Equal((422, "NETWORK_TIMEOUT"), (status, code));
        Assert.Contains("Connecting to \\\"slow-dns.example.com\\\" timed out.", body, StringComparison.Ordinal);
    }

    /// <summary>A name server that never answers: only the connect timeout ends the wait.</summary>
    private sealed class HangingResolver : IEgressResolver
    {
        public async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return [];
        }
    }
}
