using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelGateway.Sniffing;

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
    public void VerifyContent_SetInAProfile_FailsValidation()
    {
        using var services = Build(new() { ["PolicyProfiles:strict:VerifyContent"] = "false" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ContentSniffingOptions>>().Value);

        Assert.Equal(
            ["PolicyProfiles:<name>:VerifyContent is not supported: VerifyContent is global (facts are cached per URL for every caller); set Policy:VerifyContent."],
            error.Failures);
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
