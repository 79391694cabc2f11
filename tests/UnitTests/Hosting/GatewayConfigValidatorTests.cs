using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Hosting;
using ModelGateway.Primitives;

namespace ModelGateway.UnitTests.Hosting;

public sealed class GatewayConfigValidatorTests
{
    [Fact]
    public void Validate_CandidateThatIsNotTheAppsConfiguration_CheckedOnItsOwn()
    {
        var appConfiguration = Configuration(new() { ["Egress:TimeoutSeconds"] = "10" });
        var services = new ServiceCollection().AddSingleton<IConfiguration>(appConfiguration).AddLogging().AddEgress().AddGatewayPolicy();
        services.AddSingleton<GatewayConfigValidator>();
        using var provider = services.BuildServiceProvider();
        var validator = provider.GetRequiredService<GatewayConfigValidator>();
        var candidate = Configuration(new() { ["Egress:TimeoutSeconds"] = "0", ["Policy:MaxSizeBytes"] = "-1" });

        var problems = validator.Validate(candidate);

        Assert.Equal(2, problems.Count);
        Assert.Contains("Egress:TimeoutSeconds must be between 1 and 300.", problems);
        Assert.Contains(problems, p => p.StartsWith("Policy:MaxSizeBytes:", StringComparison.Ordinal));
        Assert.Empty(validator.Validate(appConfiguration));
    }

    [Fact]
    public void Validate_EveryFeature_ProblemsInRegistrationOrder()
    {
        var validator = new GatewayConfigValidator([new Fixed("first a", "first b"), new Fixed(), new Fixed("third")]);

        Assert.Equal(["first a", "first b", "third"], validator.Validate(Configuration([])));
    }

    [Fact]
    public void ThrowIfInvalid_Problems_OneExceptionListingAll()
    {
        var validator = new GatewayConfigValidator([new Fixed("one"), new Fixed("two")]);

        var ex = Assert.Throws<GatewayConfigurationException>(() => validator.ThrowIfInvalid(Configuration([])));

        Assert.Equal(["one", "two"], ex.Problems);
        Assert.Equal("The gateway's configuration is invalid (2 problem(s)).", ex.Message);
    }

    [Fact]
    public void ThrowIfInvalid_NoProblems_Returns()
    {
        new GatewayConfigValidator([new Fixed()]).ThrowIfInvalid(Configuration([]));
    }

    [Fact]
    public void TryBind_ValueOfTheWrongType_OneProblemInTheBindersWordsAndFalse()
    {
        var problems = new List<string>();
        var options = new Numbers();

        var bound = ConfigBinding.TryBind(Configuration(new() { ["Count"] = "many" }), options, problems);

        Assert.False(bound);
        Assert.Equal("Failed to convert configuration value 'many' at 'Count' to type 'System.Int32'.", Assert.Single(problems));
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private sealed class Fixed(params string[] problems) : IFeatureConfigValidator
    {
        public void Validate(IConfiguration configuration, IList<string> found)
        {
            foreach (var problem in problems)
            {
                found.Add(problem);
            }
        }
    }

    private sealed class Numbers
    {
        public int Count { get; set; }
    }
}
