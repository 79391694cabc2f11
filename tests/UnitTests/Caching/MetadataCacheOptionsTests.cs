using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Caching;

namespace ModelGateway.UnitTests.Caching;

public sealed class MetadataCacheOptionsTests
{
    [Fact]
    public void Defaults_MemoryLimit256MB_RedisEntryCap512KiB()
    {
        var options = new MetadataCacheOptions();

        Assert.Equal((256, 512), (options.MemoryLimitMB, options.MaxEntryKiB));
    }
}

public sealed class MetadataCacheOptionsBindingTests
{
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
            ["MetadataCache:MemoryLimitMB"] = "8",
            ["MetadataCache:MaxEntryKiB"] = "64",
        });

        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<MetadataCacheOptions>>().Value;

        Assert.False(options.Enabled);
        Assert.Equal(
            (TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(7)),
            (options.Ttl, options.NegativeTtl, options.StaleGrace, options.FailureRetry));
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
