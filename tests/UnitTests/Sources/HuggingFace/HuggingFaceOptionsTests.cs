using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelGateway.Sources.HuggingFace;

namespace ModelGateway.UnitTests.Sources.HuggingFace;

public sealed class HuggingFaceOptionsTests
{
    [Fact]
    public void Validate_ShippedShape_HasNoProblems()
    {
        var options = new HuggingFaceOptions { Hosts = ["huggingface.co", "hf.co"], BaseUrl = "https://huggingface.co", Token = "hf_abcDEF123" };

        Assert.Empty(options.Validate(HuggingFaceOptions.SectionName));
    }

    [Fact]
    public void Validate_EverythingWrong_ListsEveryProblemWithoutTheToken()
    {
        var options = new HuggingFaceOptions { Hosts = [], BaseUrl = "", Token = "hf_secret\nX-Evil: 1" };

        var problems = options.Validate(HuggingFaceOptions.SectionName).ToList();

        Assert.Equal(
        [
            "Sources:HuggingFace:Token must be printable ASCII without spaces, at most 512 characters (the value is not shown).",
            "Sources:HuggingFace:Hosts: at least one host (e.g. \"huggingface.co\") is required.",
            "Sources:HuggingFace:BaseUrl is required (e.g. \"https://huggingface.co\").",
        ], problems);
        Assert.DoesNotContain(problems, p => p.Contains("hf_secret", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BadBaseUrlAndHost_ReportsBoth()
    {
        var options = new HuggingFaceOptions { Hosts = ["huggingface.co", "not a host"], BaseUrl = "ftp://mirror" };

        var problems = options.Validate(HuggingFaceOptions.SectionName).ToList();

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
    public void AddHuggingFaceSource_InvalidSection_OptionsFailListingEveryProblem()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sources:HuggingFace:Hosts:0"] = "not a host",
            ["Sources:HuggingFace:Hosts:1"] = "hf.co",
            ["Sources:HuggingFace:BaseUrl"] = "ftp://mirror.example",
            ["Sources:HuggingFace:Token"] = "hf_abc def",
        }).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddHuggingFaceSource()
            .BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<HuggingFaceOptions>>().Value);

        Assert.Equal(
        [
            "Sources:HuggingFace:BaseUrl: \"ftp://mirror.example\" is not an absolute http(s) URL without credentials.",
            "Sources:HuggingFace:Hosts:0: \"not a host\" is not a host name.",
            "Sources:HuggingFace:Token must be printable ASCII without spaces, at most 512 characters (the value is not shown).",
        ], ex.Failures);
        Assert.DoesNotContain(ex.Failures, p => p.Contains("hf_abc", StringComparison.Ordinal));
    }

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
