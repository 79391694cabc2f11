using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Downloads;

/// <summary>The gateway refuses to start with Downloads settings or an EnforcePolicy route it cannot honour, naming each.</summary>
public sealed class DownloadsStartupTests
{
    [Fact]
    public void Start_BadDownloadsSettingsAndAnEnforcingRouteToAnotherHost_EveryProblemListed()
    {
        var failure = GatewayFactory.StartupFailure(new Dictionary<string, string?>
        {
            ["Downloads:IdleTimeoutSeconds"] = "0",
            ["Downloads:MaxConcurrentPerKey"] = "0",
            ["ReverseProxy:Routes:files:ClusterId"] = "files",
            ["ReverseProxy:Routes:files:Match:Path"] = "/files/{**rest}",
            ["ReverseProxy:Routes:files:Metadata:EnforcePolicy"] = "true",
            ["ReverseProxy:Clusters:files:Destinations:d1:Address"] = "https://files.example.com/",
        });

        Assert.Equal(
        [
            "Downloads:IdleTimeoutSeconds must be between 1 and 3600 seconds.",
            "Downloads:MaxConcurrentPerKey must be between 1 and 1000.",
            "ReverseProxy:Routes:files:Metadata:EnforcePolicy is true, but the destinations of cluster \"files\" are not all on one named "
                + "source's hosts (Sources:CivitAI or Sources:HuggingFace, Hosts or BaseUrl): policy is enforced on CivitAI and Hugging Face routes only.",
        ], failure.Problems);
    }
}
