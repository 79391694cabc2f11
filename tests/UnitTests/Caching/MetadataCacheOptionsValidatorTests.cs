using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Caching;

namespace ModelGateway.UnitTests.Caching;

public sealed class MetadataCacheOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var result = new MetadataCacheOptionsValidator().Validate(null, new MetadataCacheOptions());

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_ZeroNegativeTtlAndGrace_Succeeds()
    {
        var result = new MetadataCacheOptionsValidator().Validate(null,
            new MetadataCacheOptions { NegativeTtlSeconds = 0, StaleGraceSeconds = 0 });

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_SeveralBadValues_ReportsEach()
    {
        var result = new MetadataCacheOptionsValidator().Validate(null, new MetadataCacheOptions
        {
            TtlSeconds = 0,
            NegativeTtlSeconds = -1,
            StaleGraceSeconds = -5,
            FailureRetrySeconds = 0,
            RedisRetrySeconds = 0,
        });

        Assert.True(result.Failed);
        Assert.Equal(
        [
            "MetadataCache:TtlSeconds must be between 1 and 31536000 seconds, not 0.",
            "MetadataCache:NegativeTtlSeconds must be between 0 and 31536000 seconds, not -1.",
            "MetadataCache:StaleGraceSeconds must be between 0 and 31536000 seconds, not -5.",
            "MetadataCache:FailureRetrySeconds must be between 1 and 31536000 seconds, not 0.",
            "MetadataCache:RedisRetrySeconds must be between 1 and 31536000 seconds, not 0.",
        ], result.Failures);
    }
}

public sealed class MetadataCacheOptionsBindingTests
{
    [Fact]
    public void AddMetadataCache_BindsSectionAndValidatesEveryKey()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["MetadataCache:TtlSeconds"] = "0",
            ["MetadataCache:RedisRetrySeconds"] = "-1",
        });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<MetadataCacheOptions>>().Value);

        Assert.Equal(
        [
            "MetadataCache:TtlSeconds must be between 1 and 31536000 seconds, not 0.",
            "MetadataCache:RedisRetrySeconds must be between 1 and 31536000 seconds, not -1.",
        ], error.Failures);
    }

    [Fact]
    public void AddMetadataCache_Section_Bound()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["MetadataCache:Enabled"] = "false",
            ["MetadataCache:TtlSeconds"] = "120",
            ["MetadataCache:NegativeTtlSeconds"] = "5",
            ["MetadataCache:StaleGraceSeconds"] = "600",
            ["MetadataCache:FailureRetrySeconds"] = "7",
            ["MetadataCache:RedisRetrySeconds"] = "9",
        });

        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<MetadataCacheOptions>>().Value;

        Assert.False(options.Enabled);
        Assert.Equal(
            (TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(9)),
            (options.Ttl, options.NegativeTtl, options.StaleGrace, options.FailureRetry, options.RedisRetry));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddGatewayRedis();
        services.AddMetadataCache();
        return services.BuildServiceProvider();
    }
}
