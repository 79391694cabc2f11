using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Hosting;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Hosting;

/// <summary>
/// The running gateway's validator checks a configuration that is not its own — the shipped files with an admin's
/// edits — with every feature's rules, YARP's included, and its own configuration stays valid.
/// </summary>
public sealed class CandidateConfigurationTests
{
    [Fact]
    public async Task Validate_EditedShippedConfiguration_EveryProblemOfTheCandidateListed()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient();
        var validator = gateway.Services.GetRequiredService<GatewayConfigValidator>();
        var candidate = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(GatewayFactory.RepositoryRoot, "config", "appsettings.json"))
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Egress:MaxRedirects"] = "50",
                ["Sources:CivitAI:BaseUrl"] = "civitai.com",
                ["RateLimiting:WindowSeconds"] = "ten",
                ["ReverseProxy:Routes:civitai:AuthorizationPolicy"] = "NoSuchPolicy",
                ["ReverseProxy:Clusters:huggingface:LoadBalancingPolicy"] = "NoSuchBalancer",
            })
            .Build();

        var problems = validator.Validate(candidate);

        Assert.Equal(5, problems.Count);
        Assert.Contains("Egress:MaxRedirects must be between 0 and 20.", problems);
        Assert.Contains("Sources:CivitAI:BaseUrl: \"civitai.com\" is not an absolute http(s) URL without credentials.", problems);
        Assert.Contains(problems, p => p.StartsWith("Failed to convert configuration value 'ten' at 'RateLimiting:WindowSeconds'", StringComparison.Ordinal));
        Assert.Contains("ReverseProxy: Authorization policy 'NoSuchPolicy' not found for route 'civitai'.", problems);
        Assert.Contains("ReverseProxy: No matching ILoadBalancingPolicy found for the load balancing policy 'NoSuchBalancer' set on the cluster 'huggingface'.", problems);
        Assert.Empty(validator.Validate(gateway.Services.GetRequiredService<IConfiguration>()));
    }
}
