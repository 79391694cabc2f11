using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ModelGateway.Egress;

namespace ModelGateway.UnitTests.Egress;

public sealed class EgressOptionsTests
{
    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.True(new EgressOptionsValidator().Validate(null, new EgressOptions()).Succeeded);
    }

    [Fact]
    public void Validate_EverythingWrong_ListsEveryProblem()
    {
        var result = new EgressOptionsValidator().Validate(null, new EgressOptions
        {
            TimeoutSeconds = 0,
            ConnectTimeoutSeconds = 301,
            MaxRedirects = -1,
            AllowedPorts = [443, 0, 70000],
            MaxResponseHeadersKiB = 0,
            MaxJsonBytes = 10,
            ProxyUrl = "socks5://proxy:1080",
        });

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
        ], result.Failures);
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
    public void AddEgress_InvalidOptions_FailsValidation()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Egress:TimeoutSeconds"] = "0",
        }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddEgress().BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<EgressOptions>>().Value);

        Assert.Equal(["Egress:TimeoutSeconds must be between 1 and 300."], ex.Failures);
    }

    [Fact]
    public async Task AddEgress_InvalidOptions_HostFailsToStartListingEveryProblem()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Egress:AllowedPorts:0"] = "70000",
            ["Egress:ConnectTimeoutSeconds"] = "0",
        });
        builder.Services.AddEgress();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
        [
            "Egress:ConnectTimeoutSeconds must be between 1 and 300.",
            "Egress:AllowedPorts:0: 70000 is not a TCP port (1-65535).",
        ], ex.Failures);
    }
}
