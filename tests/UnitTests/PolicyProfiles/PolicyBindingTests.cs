using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelGateway.Policies;
using ModelGateway.PolicyProfiles;
using ModelGateway.UnitTests.Hosting;

namespace ModelGateway.UnitTests.PolicyProfiles;

/// <summary>The <c>Policy</c> and <c>PolicyProfiles</c> sections as an admin writes them in appsettings.json.</summary>
public sealed class PolicyBindingTests
{
    private static PolicyProvider Provider(string json)
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddGatewayPolicy();
        return services.BuildServiceProvider().GetRequiredService<PolicyProvider>();
    }

    [Fact]
    public void For_NoPolicySection_Defaults()
    {
        var policy = Provider("{}").For(null);

        Assert.Equal([ModelFormat.SafeTensor], policy.AllowedFormats);
        Assert.Equal(0, policy.MaxSizeBytes);
    }

    [Fact]
    public void For_EmptyFormatArrayInJson_AnyFormat()
    {
        var policy = Provider("""{ "Policy": { "AllowedFormats": [] } }""").For(null);

        Assert.Empty(policy.AllowedFormats);
        Assert.True(PolicyEvaluator.Evaluate(new AssetFacts { Format = ModelFormat.PickleTensor, ContentLength = 1 }, policy).IsValid);
    }

    [Fact]
    public void For_ProfileWithEmptyArrays_OverridesBaseListsToAny()
    {
        var provider = Provider("""
            {
              "Policy": { "AllowedFormats": [ "SafeTensor" ], "AllowedHosts": [ "civitai.com" ], "BlockedHosts": [ "evil.example" ],
                          "AllowedModelTypes": [ "loras" ], "MaxSizeBytes": 100 },
              "PolicyProfiles": { "open": { "AllowedFormats": [], "AllowedHosts": [], "BlockedHosts": [], "AllowedModelTypes": [] } }
            }
            """);

        var open = provider.For("open");
        var basePolicy = provider.For(null);

        Assert.Empty(open.AllowedFormats);
        Assert.Empty(open.AllowedHosts);
        Assert.Empty(open.BlockedHosts);
        Assert.Empty(open.AllowedModelTypes);
        Assert.Equal(100, open.MaxSizeBytes);
        Assert.Equal([ModelFormat.SafeTensor], basePolicy.AllowedFormats);
        Assert.Equal(["civitai.com"], basePolicy.AllowedHosts);
    }

    [Fact]
    public void For_ProfileOmitsKeys_InheritsBase()
    {
        var provider = Provider("""
            {
              "Policy": { "AllowedFormats": [ "SafeTensor", "GGUF" ], "MaxSizeBytes": 100 },
              "PolicyProfiles": { "Strict": { "MaxSizeBytes": 10 } }
            }
            """);

        var strict = provider.For("strict");

        Assert.Equal([ModelFormat.SafeTensor, ModelFormat.GGUF], strict.AllowedFormats);
        Assert.Equal(10, strict.MaxSizeBytes);
    }

    [Fact]
    public void For_UnknownProfile_BasePolicy()
    {
        var policy = Provider("""{ "Policy": { "MaxSizeBytes": 5 } }""").For("nobody");

        Assert.Equal(5, policy.MaxSizeBytes);
    }

    [Fact]
    public void Validate_InvalidSections_EveryProblemOfEverySection()
    {
        var problems = ConfigurationProblems.OfJson("""
            { "Policy": { "AllowedFormats": [ "Pickle" ], "MaxSizeBytes": -1 }, "PolicyProfiles": { "x": { "AllowedHosts": [ "*" ] } } }
            """, s => s.AddGatewayPolicy());

        Assert.Equal(3, problems.Count);
        Assert.StartsWith("Policy:AllowedFormats:0:", problems[0], StringComparison.Ordinal);
        Assert.StartsWith("Policy:MaxSizeBytes:", problems[1], StringComparison.Ordinal);
        Assert.StartsWith("PolicyProfiles:x:AllowedHosts:0:", problems[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WrongTypeInOneProfile_NamedAndTheOtherSectionsStillChecked()
    {
        var problems = ConfigurationProblems.OfJson("""
            { "Policy": { "MaxSizeBytes": -1 }, "PolicyProfiles": { "big": { "MaxSizeBytes": "lots" }, "odd": { "AllowedFormats": [ "Pickle" ] } } }
            """, s => s.AddGatewayPolicy());

        Assert.Equal(3, problems.Count);
        Assert.StartsWith("Failed to convert configuration value 'lots' at 'PolicyProfiles:big:MaxSizeBytes'", problems[0], StringComparison.Ordinal);
        Assert.StartsWith("Policy:MaxSizeBytes:", problems[1], StringComparison.Ordinal);
        Assert.StartsWith("PolicyProfiles:odd:AllowedFormats:0:", problems[2], StringComparison.Ordinal);
    }

    [Fact]
    public void For_UncertaintyActionsAsWritten_BoundCaseInsensitivelyPerProfile()
    {
        var provider = Provider("""
            {
              "Policy": { "UnverifiedContent": "Deny" },
              "PolicyProfiles": { "sizes": { "UnknownSize": "deny" }, "lenient": { "UnverifiedContent": "Warn" } }
            }
            """);

        Assert.Equal((PolicyAction.Deny, PolicyAction.Warn), (provider.For(null).UnverifiedContent, provider.For(null).UnknownSize));
        Assert.Equal((PolicyAction.Deny, PolicyAction.Deny), (provider.For("sizes").UnverifiedContent, provider.For("sizes").UnknownSize));
        Assert.Equal(PolicyAction.Warn, provider.For("lenient").UnverifiedContent);
    }

    [Fact]
    public void Validate_UncertaintyActionNotWarnOrDeny_NamedWithItsKey()
    {
        var problems = ConfigurationProblems.OfJson("""
            { "Policy": { "UnverifiedContent": "Sometimes" }, "PolicyProfiles": { "x": { "UnknownSize": "3" } } }
            """, s => s.AddGatewayPolicy());

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("Failed to convert configuration value 'Sometimes' at 'Policy:UnverifiedContent'", problems[0], StringComparison.Ordinal);
        Assert.Equal("PolicyProfiles:x:UnknownSize: must be Warn or Deny, not 3.", problems[1]);
    }
}
