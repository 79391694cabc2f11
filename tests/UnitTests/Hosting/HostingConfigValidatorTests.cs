using ModelGateway.Hosting;
using ModelGateway.Primitives;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ModelGateway.UnitTests.Hosting;

public sealed class HostingConfigValidatorTests
{
    [Fact]
    public void Validate_ShippedDefaultsAndTrustedProxies_NoProblem()
    {
        Assert.Empty(Problems(new()
        {
            ["Hosting:ShutdownTimeoutSeconds"] = "120",
            ["Hosting:ShutdownDelaySeconds"] = "5",
            ["ForwardedHeaders:KnownProxies:0"] = "10.0.0.5",
            ["ForwardedHeaders:KnownProxies:1"] = "::1",
            ["ForwardedHeaders:KnownNetworks:0"] = "172.31.253.0/24",
            ["ForwardedHeaders:KnownNetworks:1"] = "fd00::/8",
        }));
    }

    [Fact]
    public void Validate_EveryBadValue_EachNamedWithItsKey()
    {
        Assert.Equal(
            [
                "Hosting:ShutdownTimeoutSeconds must be between 1 and 3600.",
                "ForwardedHeaders:KnownProxies:0: \"nginx\" is not an IP address.",
                "ForwardedHeaders:KnownNetworks:0: \"10.0.0.0\" is not a network in CIDR form (e.g. 172.16.0.0/12).",
                "ForwardedHeaders:KnownNetworks:1: \"10.0.0.0/40\" is not a network in CIDR form (e.g. 172.16.0.0/12).",
            ],
            Problems(new()
            {
                ["Hosting:ShutdownTimeoutSeconds"] = "0",
                ["ForwardedHeaders:KnownProxies:0"] = "nginx",
                ["ForwardedHeaders:KnownNetworks:0"] = "10.0.0.0",
                ["ForwardedHeaders:KnownNetworks:1"] = "10.0.0.0/40",
            }));
    }

    [Theory]
    [InlineData("-1", "30", "Hosting:ShutdownDelaySeconds must be between 0 and 300.")]
    [InlineData("30", "30", "Hosting:ShutdownDelaySeconds must be shorter than Hosting:ShutdownTimeoutSeconds: the delay counts within it.")]
    public void Validate_ShutdownDelay_WithinTheTimeout(string delay, string timeout, string problem)
    {
        Assert.Equal([problem], Problems(new() { ["Hosting:ShutdownDelaySeconds"] = delay, ["Hosting:ShutdownTimeoutSeconds"] = timeout }));
    }

    [Fact]
    public void Validate_TimeoutOfTheWrongType_TheBindersWords()
    {
        var problem = Assert.Single(Problems(new() { ["Hosting:ShutdownTimeoutSeconds"] = "two minutes" }));

        Assert.StartsWith("Failed to convert configuration value 'two minutes' at 'Hosting:ShutdownTimeoutSeconds'", problem, StringComparison.Ordinal);
    }

    private static IReadOnlyList<string> Problems(Dictionary<string, string?> settings) =>
        ConfigurationProblems.Of(settings, services =>
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, HostingConfigValidator>()));
}
