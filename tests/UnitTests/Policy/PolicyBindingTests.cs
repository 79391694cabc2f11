using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelGateway.Policies;
using ModelGateway.Policy;

namespace ModelGateway.UnitTests.Policy;

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
    public void Options_InvalidSections_EveryProblemInOneFailure()
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes("""
            { "Policy": { "AllowedFormats": [ "Pickle" ], "MaxSizeBytes": -1 }, "PolicyProfiles": { "x": { "AllowedHosts": [ "*" ] } } }
            """))).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddGatewayPolicy();
        using var provider = services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GatewayPolicyOptions>>().Value);

        Assert.Equal(3, failure.Failures.Count());
        Assert.StartsWith("Policy:AllowedFormats:0:", failure.Failures.First(), StringComparison.Ordinal);
        Assert.StartsWith("PolicyProfiles:x:AllowedHosts:0:", failure.Failures.Last(), StringComparison.Ordinal);
    }
}
