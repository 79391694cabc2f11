using ModelGateway.Forwarding;
using ModelGateway.Sources.CivitAi;
using ModelGateway.Sources.HuggingFace;
using ModelGateway.UnitTests.Infrastructure;
using Yarp.ReverseProxy.Configuration;

namespace ModelGateway.UnitTests.Forwarding;

public sealed class RouteSourcesTests
{
    private static readonly CivitAiOptions CivitAi = new() { Hosts = ["civitai.com"], BaseUrl = "https://civitai.com" };
    private static readonly HuggingFaceOptions HuggingFace = new() { Hosts = ["huggingface.co", "hf.co"], BaseUrl = "http://127.0.0.1:9000" };

    [Theory]
    [InlineData("https://civitai.com/", "civitai", "https://civitai.com/")]
    [InlineData("https://hf.co/", "huggingface", "https://huggingface.co/")]
    [InlineData("http://127.0.0.1:9000/", "huggingface", "https://huggingface.co/")] // the source's BaseUrl (a mirror, a fake)
    public void Find_DestinationOnASourcesHosts_ThatSourceAndItsPublicOrigin(string destination, string name, string publicOrigin)
    {
        var source = RouteSources.Find([destination], CivitAi, HuggingFace);

        Assert.Equal(name, source?.Name);
        Assert.Equal(publicOrigin, source?.PublicOrigin.AbsoluteUri);
    }

    [Theory]
    [InlineData("https://files.example.com/")]
    [InlineData("https://civitai.com/ https://huggingface.co/")]
    [InlineData("https://civitai.com/ https://files.example.com/")]
    [InlineData("http://127.0.0.1:9001/")] // another port than the BaseUrl's
    [InlineData("")]
    public void Find_NotAllOnOneSource_Null(string destinations)
    {
        Assert.Null(RouteSources.Find(destinations.Split(' ', StringSplitOptions.RemoveEmptyEntries), CivitAi, HuggingFace));
    }

    private static ClusterConfig Cluster(string address) => new()
    {
        ClusterId = "c",
        Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = address } },
    };

    [Fact]
    public void For_SameClusterAndSettings_SameAnswer()
    {
        var sources = new RouteSources(new ReloadableOptionsMonitor<CivitAiOptions>(CivitAi), new ReloadableOptionsMonitor<HuggingFaceOptions>(HuggingFace), []);
        var cluster = Cluster("https://hf.co/");

        var first = sources.For(cluster);

        Assert.Equal("huggingface", first?.Name);
        Assert.Same(first, sources.For(cluster));
        Assert.Equal("civitai", sources.For(Cluster("https://civitai.com/"))?.Name);
        Assert.Null(sources.For(Cluster("https://files.example.com/")));
        Assert.Null(sources.For(null));
        Assert.Equal("huggingface", sources.For(cluster)?.Name);
        Assert.Same(first, sources.For(cluster)); // kept across other clusters' requests (two shipped routes alternate)
    }

    [Fact]
    public void For_AfterSourcesReload_AnswerFollowsTheNewSettings()
    {
        var huggingFace = new ReloadableOptionsMonitor<HuggingFaceOptions>(HuggingFace);
        var sources = new RouteSources(new ReloadableOptionsMonitor<CivitAiOptions>(CivitAi), huggingFace, []);
        var cluster = Cluster("https://hf.co/");
        Assert.Equal("huggingface", sources.For(cluster)?.Name);

        huggingFace.CurrentValue = new HuggingFaceOptions { Hosts = ["huggingface.co"], BaseUrl = "https://huggingface.co" };

        Assert.Null(sources.For(cluster));
    }
}
