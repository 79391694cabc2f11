using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelGateway.Sniffing;
using ModelGateway.UnitTests.Hosting;

namespace ModelGateway.UnitTests.Sniffing;

public sealed class ContentSniffingOptionsTests
{
    [Fact]
    public void VerifyContent_NotConfigured_IsTrue()
    {
        using var services = Build([]);

        Assert.True(services.GetRequiredService<IOptions<ContentSniffingOptions>>().Value.VerifyContent);
    }

    [Fact]
    public void VerifyContent_SetInPolicy_IsBound()
    {
        using var services = Build(new() { ["Policy:VerifyContent"] = "false" });

        Assert.False(services.GetRequiredService<IOptions<ContentSniffingOptions>>().Value.VerifyContent);
    }

    [Fact]
    public void Validate_VerifyContentSetInAProfile_Refused()
    {
        var problems = ConfigurationProblems.Of(new() { ["PolicyProfiles:strict:VerifyContent"] = "false" }, s => s.AddContentSniffing());

        Assert.Equal(
            ["PolicyProfiles:<name>:VerifyContent is not supported: VerifyContent is global (facts are cached per URL for every caller); set Policy:VerifyContent."],
            problems);
    }

    [Fact]
    public void Validate_VerifyContentNotABoolean_NamedWithItsKey()
    {
        var problem = Assert.Single(ConfigurationProblems.Of(new() { ["Policy:VerifyContent"] = "sometimes" }, s => s.AddContentSniffing()));

        Assert.StartsWith("Failed to convert configuration value 'sometimes' at 'Policy:VerifyContent'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Policy:UnverifiedContent", "Deny", "Policy:UnverifiedContent is Deny while Policy:VerifyContent is false")]
    [InlineData("PolicyProfiles:strict:UnverifiedContent", "deny", "PolicyProfiles:strict:UnverifiedContent is Deny while Policy:VerifyContent is false")]
    public void Validate_DenyUnverifiedWithTheCheckOff_RefusedAsEveryFileWouldFail(string key, string value, string expected)
    {
        var problem = Assert.Single(ConfigurationProblems.Of(new() { ["Policy:VerifyContent"] = "false", [key] = value }, s => s.AddContentSniffing()));

        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DenyUnverifiedWithTheCheckOn_Fine()
    {
        Assert.Empty(ConfigurationProblems.Of(new() { ["Policy:UnverifiedContent"] = "Deny" }, s => s.AddContentSniffing()));
    }

    [Theory]
    [InlineData("1023")]
    [InlineData("25000001")]
    [InlineData("-1")]
    public void Validate_MaxHeaderBytesOutOfRange_Named(string value)
    {
        var problem = Assert.Single(ConfigurationProblems.Of(new() { ["ContentCheck:MaxHeaderBytes"] = value }, s => s.AddContentSniffing()));

        Assert.Equal("ContentCheck:MaxHeaderBytes must be between 1024 and 25000000.", problem);
    }

    [Fact]
    public void MaxHeaderBytes_NotConfigured_FourMiB()
    {
        using var services = Build([]);

        Assert.Equal(4 * 1024 * 1024, services.GetRequiredService<IOptions<ContentCheckOptions>>().Value.MaxHeaderBytes);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddContentSniffing();
        return services.BuildServiceProvider();
    }
}
