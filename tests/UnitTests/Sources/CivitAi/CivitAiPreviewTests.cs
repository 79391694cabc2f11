using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Sources.CivitAi;
using ModelGateway.UnitTests.Hosting;

namespace ModelGateway.UnitTests.Sources.CivitAi;

public sealed class CivitAiPreviewTests
{
    [Theory]
    [InlineData("https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/21bb784f/original=true/39539160.jpeg",
        "https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/21bb784f/width=450/39539160.jpeg")]
    [InlineData("https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/21bb784f/original=true,quality=90/107357814.jpeg",
        "https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/21bb784f/width=450/107357814.jpeg")]
    [InlineData("http://imagecache.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/21bb784f/width=1200/1.jpeg",
        "https://imagecache.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/21bb784f/width=450/1.jpeg")]
    [InlineData("https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/21bb784f/1.jpeg",
        "https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/21bb784f/1.jpeg")]
    [InlineData("https://images.example.com/a/b/original=true/1.jpeg", "https://images.example.com/a/b/original=true/1.jpeg")]
    public void Small_ImageUrl_AsksForWidth450OnCivitAiHostsOnly(string url, string expected) =>
        Assert.Equal(expected, CivitAiImages.Small(new Uri(url)).AbsoluteUri);

    [Theory]
    [InlineData("PG", 1)]
    [InlineData("PG13", 3)]
    [InlineData("pg-13", 3)]
    [InlineData("R", 7)]
    [InlineData("X", 15)]
    [InlineData("XXX", 31)]
    [InlineData("None", 0)]
    [InlineData("2", 3)]
    public void TryParseMask_Level_EveryLevelUpToIt(string level, int mask)
    {
        Assert.True(CivitAiNsfwLevels.TryParseMask(level, out var parsed));
        Assert.Equal(mask, parsed);
    }

    [Theory]
    [InlineData("Blocked")]
    [InlineData("32")]
    [InlineData("3")]
    [InlineData("")]
    [InlineData("Soft")]
    public void TryParseMask_NotALevel_False(string level) =>
        Assert.False(CivitAiNsfwLevels.TryParseMask(level, out _));

    [Theory]
    [InlineData(1, 3, true)]
    [InlineData(2, 3, true)]
    [InlineData(4, 3, false)]
    [InlineData(8, 3, false)]
    [InlineData(32, 31, false)]
    [InlineData(0, 3, false)]
    [InlineData(null, 3, false)]
    [InlineData(1, 0, false)]
    [InlineData(6, 7, true)]
    public void IsAllowed_LevelAndMask_OnlyRatedLevelsWithinTheMask(int? level, int mask, bool allowed) =>
        Assert.Equal(allowed, CivitAiNsfwLevels.IsAllowed(level, mask));

    [Fact]
    public void Validate_BadSettings_ListsEveryProblem()
    {
        var problems = ConfigurationProblems.Of(new()
        {
            ["Sources:CivitAI:Hosts:0"] = "civitai.com",
            ["Sources:CivitAI:Hosts:1"] = "not a host",
            ["Sources:CivitAI:BaseUrl"] = "ftp://civitai.com",
            ["Sources:CivitAI:Token"] = "bad token",
            ["Sources:CivitAI:MaxPreviewNsfwLevel"] = "Spicy",
        }, s => s.AddMetadataSources().AddCivitAiSource());

        Assert.Equal(
        [
            "Sources:CivitAI:BaseUrl: \"ftp://civitai.com\" is not an absolute http(s) URL without credentials.",
            "Sources:CivitAI:Hosts:1: \"not a host\" is not a host name.",
            "Sources:CivitAI:Token must be printable ASCII without spaces, at most 512 characters (the value is not shown).",
            "Sources:CivitAI:MaxPreviewNsfwLevel: \"Spicy\" is not one of None, PG, PG13, R, X, XXX.",
        ], problems);
    }

    [Fact]
    public void Validate_Defaults_NoProblems()
    {
        var problems = ConfigurationProblems.Of(new()
        {
            ["Sources:CivitAI:Hosts:0"] = "civitai.com",
            ["Sources:CivitAI:BaseUrl"] = "https://civitai.com",
        }, s => s.AddMetadataSources().AddCivitAiSource());

        Assert.Empty(problems);
        Assert.Equal(3, new CivitAiOptions().PreviewNsfwMask);
    }
}
