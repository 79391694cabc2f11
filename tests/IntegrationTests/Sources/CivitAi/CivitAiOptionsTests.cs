using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelGateway.Hosting;
using ModelGateway.Sources.CivitAi;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Sources.CivitAi;

public sealed class CivitAiOptionsTests
{
    [Fact]
    public void Validate_InvalidCivitAiSettings_EveryProblemListedWithoutTheToken()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sources:CivitAI:Hosts:0"] = "civitai.com",
            ["Sources:CivitAI:MaxPreviewNsfwLevel"] = "Spicy",
            ["Sources:CivitAI:Token"] = "secret with spaces",
            ["Sources:CivitAI:BaseUrl"] = "civitai.com",
        }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddMetadataSources().AddCivitAiSource()
            .AddSingleton<GatewayConfigValidator>().BuildServiceProvider();

        var problems = services.GetRequiredService<GatewayConfigValidator>().Validate(configuration);

        Assert.Equal(
        [
            "Sources:CivitAI:BaseUrl: \"civitai.com\" is not an absolute http(s) URL without credentials.",
            "Sources:CivitAI:Token must be printable ASCII without spaces, at most 512 characters (the value is not shown).",
            "Sources:CivitAI:MaxPreviewNsfwLevel: \"Spicy\" is not one of None, PG, PG13, R, X, XXX.",
        ], problems);
        Assert.DoesNotContain(problems, p => p.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Startup_ShippedConfig_CivitAiDefaults()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(TestKeys.Default);

        var options = gateway.Services.GetRequiredService<IOptions<CivitAiOptions>>();

        Assert.Equal("PG13", options.Value.MaxPreviewNsfwLevel);
        Assert.Equal(3, options.Value.PreviewNsfwMask);
        Assert.Equal(new Uri("https://civitai.com"), options.Value.ApiOrigin);
        Assert.Equal(["civitai.com", "www.civitai.com", "civitai.red", "civitai.green", "civitai.blue"], options.Value.Hosts);
    }
}
