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
            "Sources:HuggingFace:Hosts: at least one host (e.g. \"huggingface.co\") is required.",
            "Sources:HuggingFace:BaseUrl is required (e.g. \"https://huggingface.co\").",
            "Sources:HuggingFace:Token contains whitespace, control or non-ASCII characters (the value is not shown).",
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
