using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelGateway.Egress;
using ModelGateway.UnitTests.Hosting;

namespace ModelGateway.UnitTests.Egress;

public sealed class EgressOptionsTests
{
    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.Empty(ConfigurationProblems.Of([], s => s.AddEgress()));
    }

    [Fact]
    public void Validate_EverythingWrong_ListsEveryProblem()
    {
        var problems = ConfigurationProblems.Of(new()
        {
            ["Egress:TimeoutSeconds"] = "0",
            ["Egress:ConnectTimeoutSeconds"] = "301",
            ["Egress:MaxRedirects"] = "-1",
            ["Egress:AllowedPorts:0"] = "443",
            ["Egress:AllowedPorts:1"] = "0",
            ["Egress:AllowedPorts:2"] = "70000",
            ["Egress:MaxResponseHeadersKiB"] = "0",
            ["Egress:MaxJsonBytes"] = "10",
            ["Egress:ProxyUrl"] = "socks5://proxy:1080",
        }, s => s.AddEgress());

        Assert.Equal(
        [
            "Egress:TimeoutSeconds must be between 1 and 300.",
            "Egress:ConnectTimeoutSeconds must be between 1 and 300.",
            "Egress:MaxRedirects must be between 0 and 20.",
            "Egress:AllowedPorts:1: 0 is not a TCP port (1-65535).",
            "Egress:AllowedPorts:2: 70000 is not a TCP port (1-65535).",
            "Egress:MaxResponseHeadersKiB must be between 1 and 1024.",
            "Egress:MaxJsonBytes must be between 1024 and 268435456.",
            "Egress:ProxyUrl: \"socks5://proxy:1080\" is not an absolute http(s) URL.",
        ], problems);
    }

    [Theory]
    [InlineData(80, false, true)]
    [InlineData(443, false, true)]
    [InlineData(8080, false, false)]
    [InlineData(8080, true, true)]
    public void IsPortAllowed_DefaultPorts(int port, bool allowPrivate, bool expected)
    {
        Assert.Equal(expected, new EgressOptions { AllowPrivateNetworks = allowPrivate }.IsPortAllowed(port));
    }

    [Fact]
    public void AddEgress_Configuration_BindsAndTrustsSourcesClustersAndProxy()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Egress:AllowedPorts:0"] = "443",
            ["Egress:AllowedPorts:1"] = "8443",
            ["Egress:ProxyUrl"] = "http://egress-proxy.corp:4750",
            ["Sources:CivitAI:BaseUrl"] = "http://127.0.0.1:5001",
            ["Sources:HuggingFace:BaseUrl"] = "https://HF-Mirror.corp./",
            ["ReverseProxy:Clusters:civitai:Destinations:d1:Address"] = "http://10.0.0.7:8080/",
            ["ReverseProxy:Clusters:hf:Destinations:a:Address"] = "https://hf-cache.corp/",
        }).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddEgress()
            .BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<EgressOptions>>().Value;
        var guard = services.GetRequiredService<EgressHopGuard>();

        Assert.Equal([443, 8443], options.AllowedPorts);
        Assert.True(guard.IsTrustedOrigin("127.0.0.1", 5001));
        Assert.True(guard.IsTrustedOrigin("hf-mirror.corp", 443));
        Assert.True(guard.IsTrustedOrigin("10.0.0.7", 8080));
        Assert.True(guard.IsTrustedOrigin(new Uri("https://hf-cache.corp/x")));
        Assert.True(guard.IsTrustedOrigin("egress-proxy.corp", 4750));
        Assert.False(guard.IsTrustedOrigin("10.0.0.7", 80));
        Assert.False(guard.IsTrustedOrigin("127.0.0.1", 5002));
        Assert.IsType<DnsEgressResolver>(services.GetRequiredService<IEgressResolver>());
    }

    [Fact]
    public void Validate_ValueOfTheWrongType_TheBinderNamesKeyValueAndType()
    {
        var problem = Assert.Single(ConfigurationProblems.Of(new() { ["Egress:TimeoutSeconds"] = "ten" }, s => s.AddEgress()));

        Assert.StartsWith("Failed to convert configuration value 'ten' at 'Egress:TimeoutSeconds' to type 'System.Int32'.", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AddEgress_InvalidOptions_StillBindWithoutStartupValidation()
    {
        // Options carry no validation of their own: the configuration validator runs before anything reads them.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Egress:TimeoutSeconds"] = "0" }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddEgress().BuildServiceProvider();

        Assert.Equal(0, services.GetRequiredService<IOptions<EgressOptions>>().Value.TimeoutSeconds);
    }
}
