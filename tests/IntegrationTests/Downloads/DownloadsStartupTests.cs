using ModelGateway.Hosting;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Downloads;

/// <summary>The gateway refuses to start with Downloads settings or an EnforcePolicy route it cannot honour, naming each.</summary>
public sealed class DownloadsStartupTests
{
    [Fact]
    public void Start_BadDownloadsSettingsAndAnEnforcingRouteToAnotherHost_EveryProblemListed()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Downloads:IdleTimeoutSeconds"] = "0",
            ["Downloads:MaxConcurrentPerKey"] = "0",
            ["ReverseProxy:Routes:files:ClusterId"] = "files",
            ["ReverseProxy:Routes:files:Match:Path"] = "/files/{**rest}",
            ["ReverseProxy:Routes:files:Metadata:EnforcePolicy"] = "true",
            ["ReverseProxy:Clusters:files:Destinations:d1:Address"] = "https://files.example.com/",
        });

        var exception = Record.Exception(() => gateway.CreateClient());

        var failure = Assert.IsType<GatewayConfigurationException>(Unwrap(exception));
        Assert.Equal(
        [
            "Downloads:IdleTimeoutSeconds must be between 1 and 3600 seconds.",
            "Downloads:MaxConcurrentPerKey must be between 1 and 1000.",
            "ReverseProxy:Routes:files:Metadata:EnforcePolicy is true, but the destinations of cluster \"files\" are not all on one named "
                + "source's hosts (Sources:CivitAI or Sources:HuggingFace, Hosts or BaseUrl): policy is enforced on CivitAI and Hugging Face routes only.",
        ], failure.Problems);
    }

    [Fact]
    public void Start_ShippedRoutesEnforcing_Starts()
    {
        using var gateway = new GatewayFactory();

        using var client = gateway.CreateClient();

        Assert.NotNull(client);
    }

    private static Exception? Unwrap(Exception? exception) => exception switch
    {
        GatewayConfigurationException => exception,
        AggregateException aggregate => aggregate.InnerExceptions.Select(Unwrap).FirstOrDefault(e => e is GatewayConfigurationException),
        { InnerException: { } inner } => Unwrap(inner),
        _ => exception,
    };
}
