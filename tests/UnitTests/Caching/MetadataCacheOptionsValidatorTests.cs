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
