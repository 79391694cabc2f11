using ModelGateway.Policies;
using ModelGateway.PolicyProfiles;
using ModelGateway.UnitTests.Infrastructure;

namespace ModelGateway.UnitTests.PolicyProfiles;

public sealed class PolicyProviderTests
{
    private static GatewayPolicyOptions Options(long maxSize, long strictMaxSize) => new()
    {
        Policy = new PolicyOptions { AllowedFormats = ["SafeTensor", "GGUF"], MaxSizeBytes = maxSize },
        Profiles = new(StringComparer.OrdinalIgnoreCase) { ["strict"] = new PolicyOptions { AllowedFormats = ["SafeTensor"], MaxSizeBytes = strictMaxSize } },
    };

    [Fact]
    public void For_SameConfiguration_ResolvedOnce()
    {
        var provider = new PolicyProvider(new ReloadableOptionsMonitor<GatewayPolicyOptions>(Options(1000, 500)));

        Assert.Same(provider.For(null), provider.For(null));
        Assert.Same(provider.For("strict"), provider.For("strict"));
        Assert.Equal(1000, provider.For(null).MaxSizeBytes);
        Assert.Equal([ModelFormat.SafeTensor, ModelFormat.GGUF], provider.For(null).AllowedFormats);
        Assert.Equal(500, provider.For("strict").MaxSizeBytes);
        Assert.Equal([ModelFormat.SafeTensor], provider.For("strict").AllowedFormats);
    }

    [Fact]
    public void For_ProfileNamedInAnotherCase_ThatProfile()
    {
        var provider = new PolicyProvider(new ReloadableOptionsMonitor<GatewayPolicyOptions>(Options(1000, 500)));

        Assert.Equal(500, provider.For("STRICT").MaxSizeBytes);
    }

    [Fact]
    public void For_UnknownProfile_BasePolicy()
    {
        var provider = new PolicyProvider(new ReloadableOptionsMonitor<GatewayPolicyOptions>(Options(1000, 500)));

        Assert.Equal(1000, provider.For("missing").MaxSizeBytes);
        Assert.Equal([ModelFormat.SafeTensor, ModelFormat.GGUF], provider.For("missing").AllowedFormats);
    }

    [Fact]
    public void For_AfterReload_NewPoliciesApplyAtOnce()
    {
        var monitor = new ReloadableOptionsMonitor<GatewayPolicyOptions>(Options(1000, 500));
        var provider = new PolicyProvider(monitor);
        var before = provider.For("strict");

        monitor.CurrentValue = Options(2000, 700);

        Assert.Equal(2000, provider.For(null).MaxSizeBytes);
        Assert.Equal(700, provider.For("strict").MaxSizeBytes);
        Assert.Equal(500, before.MaxSizeBytes); // what a request in flight holds does not change under it
    }
}
