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
    public void Defaults_MemoryLimit256MB_RedisEntryCap512KiB()
    {
        var options = new MetadataCacheOptions();

        Assert.Equal((256, 512), (options.MemoryLimitMB, options.MaxEntryKiB));
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
            MemoryLimitMB = 0,
            MaxEntryKiB = 70000,
        });

        Assert.True(result.Failed);
        Assert.Equal(
        [
            "MetadataCache:TtlSeconds must be between 1 and 31536000 seconds, not 0.",
            "MetadataCache:NegativeTtlSeconds must be between 0 and 31536000 seconds, not -1.",
            "MetadataCache:StaleGraceSeconds must be between 0 and 31536000 seconds, not -5.",
            "MetadataCache:FailureRetrySeconds must be between 1 and 31536000 seconds, not 0.",
            "MetadataCache:RedisRetrySeconds must be between 1 and 31536000 seconds, not 0.",
            "MetadataCache:MemoryLimitMB must be between 1 and 65536 MB, not 0.",
            "MetadataCache:MaxEntryKiB must be between 1 and 65536 KiB, not 70000.",
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
            ["MetadataCache:MemoryLimitMB"] = "8",
            ["MetadataCache:MaxEntryKiB"] = "64",
        });

        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<MetadataCacheOptions>>().Value;

        Assert.False(options.Enabled);
        Assert.Equal(
            (TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(9)),
            (options.Ttl, options.NegativeTtl, options.StaleGrace, options.FailureRetry, options.RedisRetry));
        Assert.Equal((8L * 1024 * 1024, 64L * 1024), (options.MemoryLimitBytes, options.MaxEntryBytes));
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
