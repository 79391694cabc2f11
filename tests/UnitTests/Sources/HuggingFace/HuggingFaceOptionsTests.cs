using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelGateway.Sources.HuggingFace;
using ModelGateway.UnitTests.Hosting;

namespace ModelGateway.UnitTests.Sources.HuggingFace;

public sealed class HuggingFaceOptionsTests
{
    private static IReadOnlyList<string> Problems(Dictionary<string, string?> settings) =>
        ConfigurationProblems.Of(settings, s => s.AddMetadataSources().AddHuggingFaceSource());

    [Fact]
    public void Validate_ShippedShape_HasNoProblems()
    {
        Assert.Empty(Problems(new()
        {
            ["Sources:HuggingFace:Hosts:0"] = "huggingface.co",
            ["Sources:HuggingFace:Hosts:1"] = "hf.co",
            ["Sources:HuggingFace:BaseUrl"] = "https://huggingface.co",
            ["Sources:HuggingFace:Token"] = "hf_abcDEF123",
        }));
    }

    [Fact]
    public void Validate_EverythingWrong_ListsEveryProblemWithoutTheToken()
    {
        var problems = Problems(new()
        {
            ["Sources:HuggingFace:BaseUrl"] = "",
            ["Sources:HuggingFace:Token"] = "hf_secret\nX-Evil: 1",
        });

        Assert.Equal(
        [
            "Sources:HuggingFace:Token must be printable ASCII without spaces, at most 512 characters (the value is not shown).",
            "Sources:HuggingFace:Hosts: at least one host (e.g. \"huggingface.co\") is required.",
            "Sources:HuggingFace:BaseUrl is required (e.g. \"https://huggingface.co\").",
        ], problems);
        Assert.DoesNotContain(problems, p => p.Contains("hf_secret", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NoSection_HostsAndBaseUrlRequired()
    {
        Assert.Equal(
        [
            "Sources:HuggingFace:Hosts: at least one host (e.g. \"huggingface.co\") is required.",
            "Sources:HuggingFace:BaseUrl is required (e.g. \"https://huggingface.co\").",
        ], Problems([]));
    }

    [Fact]
    public void Validate_BadBaseUrlAndHost_ReportsBoth()
    {
        var problems = Problems(new()
        {
            ["Sources:HuggingFace:Hosts:0"] = "huggingface.co",
            ["Sources:HuggingFace:Hosts:1"] = "not a host",
            ["Sources:HuggingFace:BaseUrl"] = "ftp://mirror",
        });

        Assert.Equal(
        [
            "Sources:HuggingFace:BaseUrl: \"ftp://mirror\" is not an absolute http(s) URL without credentials.",
            "Sources:HuggingFace:Hosts:1: \"not a host\" is not a host name.",
        ], problems);
    }
}

public sealed class HuggingFaceRegistrationTests
{
    [Fact]
    public void AddHuggingFaceSource_ValidSection_BindsHostsBaseUrlAndToken()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sources:HuggingFace:Hosts:0"] = "huggingface.co",
            ["Sources:HuggingFace:Hosts:1"] = "hf.co",
            ["Sources:HuggingFace:BaseUrl"] = "http://127.0.0.1:5000",
            ["Sources:HuggingFace:Token"] = "hf_token",
        }).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddHuggingFaceSource()
            .BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<HuggingFaceOptions>>().Value;

        Assert.Equal(["huggingface.co", "hf.co"], options.Hosts);
        Assert.Equal("http://127.0.0.1:5000", options.BaseUrl);
        Assert.Equal("hf_token", options.Token);
        Assert.True(options.IsOwnHost(new Uri("http://127.0.0.1:5000/x")));
        Assert.False(options.IsOwnHost(new Uri("http://127.0.0.1:5001/x")));
        Assert.False(options.IsOwnHost(new Uri("https://cas-bridge.xethub.hf.co/x")));
    }
}
