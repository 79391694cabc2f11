using Microsoft.Extensions.Configuration;
using ModelGateway.Downloads;

namespace ModelGateway.UnitTests.Downloads;

public sealed class DownloadsConfigValidatorTests
{
    private static readonly Dictionary<string, string?> ShippedSources = new()
    {
        ["Sources:CivitAI:Hosts:0"] = "civitai.com",
        ["Sources:CivitAI:BaseUrl"] = "https://civitai.com",
        ["Sources:HuggingFace:Hosts:0"] = "huggingface.co",
        ["Sources:HuggingFace:BaseUrl"] = "https://huggingface.co",
    };

    [Fact]
    public void Validate_Defaults_NoProblems()
    {
        Assert.Empty(Problems([]));
    }

    [Fact]
    public void Validate_OutOfRange_ListsEveryProblem()
    {
        var problems = Problems(new() { ["Downloads:IdleTimeoutSeconds"] = "0", ["Downloads:MaxConcurrentPerKey"] = "1001" });

        Assert.Equal(
        [
            "Downloads:IdleTimeoutSeconds must be between 1 and 3600 seconds.",
            "Downloads:MaxConcurrentPerKey must be between 1 and 1000.",
        ], problems);
    }

    [Fact]
    public void Validate_NotANumber_NamedWithItsKey()
    {
        var problem = Assert.Single(Problems(new() { ["Downloads:IdleTimeoutSeconds"] = "thirty" }));

        Assert.StartsWith("Failed to convert configuration value 'thirty' at 'Downloads:IdleTimeoutSeconds'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://civitai.com/")]
    [InlineData("https://huggingface.co/")]
    [InlineData("http://10.0.0.9:8080/")] // a mirror: a source's BaseUrl
    public void Validate_EnforcePolicyOnANamedSourcesRoute_NoProblems(string destination)
    {
        var settings = new Dictionary<string, string?>(ShippedSources)
        {
            ["Sources:HuggingFace:BaseUrl"] = destination.StartsWith("http://10.", StringComparison.Ordinal) ? destination.TrimEnd('/') : "https://huggingface.co",
        };
        AddRoute(settings, "models", destination, "true");

        Assert.Empty(Problems(settings));
    }

    [Fact]
    public void Validate_EnforcePolicyElsewhere_RouteNamedAndWhy()
    {
        var settings = new Dictionary<string, string?>(ShippedSources);
        AddRoute(settings, "files", "https://files.example.com/", "true");
        AddRoute(settings, "mixed", "https://civitai.com/", "TRUE", second: "https://huggingface.co/");
        AddRoute(settings, "plain", "https://files.example.com/", "false");
        AddRoute(settings, "typo", "https://civitai.com/", "yes");

        Assert.Equal(
        [
            "ReverseProxy:Routes:files:Metadata:EnforcePolicy is true, but the destinations of cluster \"files-cluster\" are not all on one named "
                + "source's hosts (Sources:CivitAI or Sources:HuggingFace, Hosts or BaseUrl): policy is enforced on CivitAI and Hugging Face routes only.",
            "ReverseProxy:Routes:mixed:Metadata:EnforcePolicy is true, but the destinations of cluster \"mixed-cluster\" are not all on one named "
                + "source's hosts (Sources:CivitAI or Sources:HuggingFace, Hosts or BaseUrl): policy is enforced on CivitAI and Hugging Face routes only.",
            "ReverseProxy:Routes:typo:Metadata:EnforcePolicy must be true or false, not \"yes\".",
        ], Problems(settings));
    }

    [Fact]
    public void Validate_CivitAiSourceTurnedOff_ItsRouteCannotEnforce()
    {
        var settings = new Dictionary<string, string?>(ShippedSources) { ["Sources:CivitAI:Hosts"] = "" };
        settings.Remove("Sources:CivitAI:Hosts:0");
        settings.Remove("Sources:CivitAI:BaseUrl");
        AddRoute(settings, "civitai", "https://civitai.com/", "true");

        Assert.Single(Problems(settings));
    }

    private static void AddRoute(Dictionary<string, string?> settings, string id, string destination, string enforce, string? second = null)
    {
        settings[$"ReverseProxy:Routes:{id}:ClusterId"] = $"{id}-cluster";
        settings[$"ReverseProxy:Routes:{id}:Match:Path"] = $"/{id}/{{**rest}}";
        settings[$"ReverseProxy:Routes:{id}:Metadata:EnforcePolicy"] = enforce;
        settings[$"ReverseProxy:Clusters:{id}-cluster:Destinations:d1:Address"] = destination;
        if (second is not null)
        {
            settings[$"ReverseProxy:Clusters:{id}-cluster:Destinations:d2:Address"] = second;
        }
    }

    private static List<string> Problems(Dictionary<string, string?> settings)
    {
        var problems = new List<string>();
        new DownloadsConfigValidator().Validate(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), problems);
        return problems;
    }
}
