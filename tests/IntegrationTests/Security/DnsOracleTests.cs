using System.Net;
using ModelGateway.Egress;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>
/// A key must not learn which internal names exist: a name that does not resolve and one that resolves only to blocked
/// addresses get the same answer, byte for byte.
/// </summary>
public sealed class DnsOracleTests
{
    private const string Url = "http://internal.example.com/model.safetensors";

    [Fact]
    public async Task RemoteMetadata_NameThatDoesNotResolveAndNamesResolvingToBlockedAddresses_ByteIdenticalAnswers()
    {
        var resolver = new SwitchingResolver();
        await using var gateway = new SecurityGateway(new()
        {
            ["Egress:AllowPrivateNetworks"] = "false",
            ["MetadataCache:Enabled"] = "false",
        }, resolver);

        resolver.Current = new LoopbackResolver([]);
        var missing = await gateway.ProbeAsync(Url);
        resolver.Current = new LoopbackResolver(new() { ["internal.example.com"] = [IPAddress.Parse("10.0.0.1")] });
        var privateAddress = await gateway.ProbeAsync(Url);
        resolver.Current = new LoopbackResolver(new() { ["internal.example.com"] = [IPAddress.Loopback] });
        var loopback = await gateway.ProbeAsync(Url);
        resolver.Current = new LoopbackResolver(new() { ["internal.example.com"] = [IPAddress.Parse("169.254.169.254"), IPAddress.Parse("fd00::1")] });
        var metadata = await gateway.ProbeAsync(Url);

        Assert.Equal(
            (422, "INVALID_HOST", """{"code":"INVALID_HOST","message":"The host \"internal.example.com\" cannot be reached from this gateway."}"""),
            missing);
        Assert.Equal(missing, privateAddress);
        Assert.Equal(missing, loopback);
        Assert.Equal(missing, metadata);
    }

    /// <summary>Answers from whichever loopback-only table the test set last.</summary>
    private sealed class SwitchingResolver : IEgressResolver
    {
        public LoopbackResolver Current { get; set; } = new([]);

        public ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Current.ResolveAsync(host, cancellationToken);
    }
}
