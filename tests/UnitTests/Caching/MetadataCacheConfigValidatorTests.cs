using Microsoft.Extensions.Configuration;
using ModelGateway.Caching;

namespace ModelGateway.UnitTests.Caching;

public sealed class MetadataCacheConfigValidatorTests
{
    [Fact]
    public void Validate_Defaults_NoProblems()
    {
        Assert.Empty(Problems([]));
    }

    [Fact]
    public void Validate_OutOfRange_EveryKeyListed()
    {
        var problems = Problems(new()
        {
            ["MetadataCache:TtlSeconds"] = "0",
            ["MetadataCache:NegativeTtlSeconds"] = "-1",
            ["MetadataCache:StaleGraceSeconds"] = "31536001",
            ["MetadataCache:FailureRetrySeconds"] = "0",
            ["MetadataCache:MemoryLimitMB"] = "0",
            ["MetadataCache:MaxEntryKiB"] = "70000",
        });

        Assert.Equal(
        [
            "MetadataCache:TtlSeconds must be between 1 and 31536000 seconds, not 0.",
            "MetadataCache:NegativeTtlSeconds must be between 0 and 31536000 seconds, not -1.",
            "MetadataCache:StaleGraceSeconds must be between 0 and 31536000 seconds, not 31536001.",
            "MetadataCache:FailureRetrySeconds must be between 1 and 31536000 seconds, not 0.",
            "MetadataCache:MemoryLimitMB must be between 1 and 65536 MB, not 0.",
            "MetadataCache:MaxEntryKiB must be between 1 and 65536 KiB, not 70000.",
        ], problems);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("")]
    public void Validate_RetiredRedisRetrySeconds_StartupError(string value)
    {
        var problem = Assert.Single(Problems(new() { ["MetadataCache:RedisRetrySeconds"] = value }));

        Assert.Equal("MetadataCache:RedisRetrySeconds is retired: the cache no longer has a Redis breaker of its own. Remove it; "
            + "RateLimiting:RedisRetrySeconds paces the one breaker every Redis caller shares.", problem);
    }

    [Fact]
    public void Validate_ZeroNegativeTtlAndGrace_NoProblems()
    {
        Assert.Empty(Problems(new() { ["MetadataCache:NegativeTtlSeconds"] = "0", ["MetadataCache:StaleGraceSeconds"] = "0" }));
    }

    [Fact]
    public void Validate_WrongType_NamedWithItsKey()
    {
        var problem = Assert.Single(Problems(new() { ["MetadataCache:Enabled"] = "perhaps" }));

        Assert.StartsWith("Failed to convert configuration value 'perhaps' at 'MetadataCache:Enabled'", problem, StringComparison.Ordinal);
    }

    private static List<string> Problems(Dictionary<string, string?> settings)
    {
        var problems = new List<string>();
        new MetadataCacheConfigValidator().Validate(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), problems);
        return problems;
    }
}
