using Microsoft.Extensions.Configuration;
using ModelGateway.ForwardProxy;

namespace ModelGateway.UnitTests.ForwardProxy;

public sealed class ForwardProxyConfigValidatorTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gw-ca-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Off_NothingChecked()
    {
        Assert.Empty(Problems(new() { ["ForwardProxy:Url"] = "", ["ForwardProxy:TunnelHosts:0"] = "not a host" }));
    }

    [Fact]
    public void On_WithACaAndBoundsInRange_NoProblem()
    {
        var (certificate, key) = ProxyCertificateAuthority.CreateFiles(_directory, DateTimeOffset.UtcNow);

        Assert.Empty(Problems(new()
        {
            ["ForwardProxy:Url"] = "http://0.0.0.0:3128",
            ["ForwardProxy:CaCertificate"] = certificate,
            ["ForwardProxy:CaKey"] = key,
            ["ForwardProxy:TunnelHosts:0"] = "*.github.com",
        }));
    }

    [Fact]
    public void On_EveryProblemNamed()
    {
        Assert.Equal(
        [
            "ForwardProxy:Url: \"https://proxy.example:3128\" must be http://<IP address or localhost>:<port> (e.g. http://127.0.0.1:3128, http://0.0.0.0:3128).",
            "ForwardProxy:CaCertificate and ForwardProxy:CaKey (PEM files; `create-ca <dir>` writes a pair) are required when ForwardProxy:Url is set.",
            "ForwardProxy:TunnelHosts:1: \"bad host\" is not a host name or *.domain pattern.",
            "ForwardProxy:HandshakeTimeoutSeconds must be between 1 and 3600.",
            "ForwardProxy:MaxTunnelsPerKey must be between 1 and 10000.",
        ], Problems(new()
        {
            ["ForwardProxy:Url"] = "https://proxy.example:3128",
            ["ForwardProxy:TunnelHosts:0"] = "github.com",
            ["ForwardProxy:TunnelHosts:1"] = "bad host",
            ["ForwardProxy:HandshakeTimeoutSeconds"] = "0",
            ["ForwardProxy:MaxTunnelsPerKey"] = "0",
        }));
    }

    [Theory]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://127.0.0.1:3128/proxy")]
    [InlineData("http://user:pw@127.0.0.1:3128")]
    [InlineData("http://proxy.internal:3128")]
    [InlineData("127.0.0.1:3128")]
    public void Url_NotABindableHttpAddressWithAPort_Refused(string url)
    {
        Assert.Contains(Problems(new() { ["ForwardProxy:Url"] = url }), p => p.StartsWith("ForwardProxy:Url:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://127.0.0.1:3128")]
    [InlineData("http://[::]:3128")]
    [InlineData("http://localhost:0")]
    public void Url_Bindable_Accepted(string url)
    {
        Assert.DoesNotContain(Problems(new() { ["ForwardProxy:Url"] = url }), p => p.StartsWith("ForwardProxy:Url:", StringComparison.Ordinal));
    }

    private static List<string> Problems(Dictionary<string, string?> settings)
    {
        var problems = new List<string>();
        new ForwardProxyConfigValidator().Validate(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), problems);
        return problems;
    }
}
