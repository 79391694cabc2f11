using ModelGateway.Caching;
using ModelGateway.Policies;
using ModelGateway.Primitives;
using ZiggyCreatures.Caching.Fusion;

namespace ModelGateway.UnitTests.Caching;

/// <summary>Pure parts of the cache: how long entries live, and what they cost in memory.</summary>
public sealed class CachedMetadataTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static readonly MetadataCacheOptions Settings = new()
    {
        TtlSeconds = 3600,
        NegativeTtlSeconds = 60,
        StaleGraceSeconds = 86400,
        FailureRetrySeconds = 30,
    };

    [Theory]
    [InlineData(FormatCheck.Verified, 3600)]
    [InlineData(FormatCheck.NotChecked, 3600)]
    [InlineData(FormatCheck.Mismatch, 3600)]
    [InlineData(FormatCheck.Unverified, 30)]
    public void ForFacts_FreshForTtl_UnverifiedOnlyUntilRetry(FormatCheck check, int freshSeconds)
    {
        var entry = CachedMetadata.ForFacts(new AssetFacts { FormatCheck = check }, Now, Settings);

        Assert.Equal((Now, Now.AddSeconds(freshSeconds), Now.AddSeconds(3600 + 86400)),
            (entry.AnsweredAt, entry.FreshUntil, entry.StaleUntil));
        Assert.Equal(TimeSpan.FromSeconds(freshSeconds), entry.FreshFor);
    }

    [Fact]
    public void ForFacts_UnverifiedAndRetryLongerThanTtl_FreshForTtl()
    {
        var entry = CachedMetadata.ForFacts(new AssetFacts { FormatCheck = FormatCheck.Unverified }, Now,
            new MetadataCacheOptions { TtlSeconds = 10, FailureRetrySeconds = 30, StaleGraceSeconds = 0 });

        Assert.Equal((TimeSpan.FromSeconds(10), Now.AddSeconds(10)), (entry.FreshFor, entry.StaleUntil));
    }

    [Fact]
    public void ForSourceAnswer_NegativeTtl_NeverStale()
    {
        var entry = CachedMetadata.ForSourceAnswer(
            GatewayException.SourceFailed(ErrorCodes.ResourceNotFound, "The file was not found."), Now, Settings);

        Assert.True(entry.IsNegative);
        Assert.Equal((ErrorCodes.ResourceNotFound, "The file was not found."), (entry.ErrorCode, entry.ErrorMessage));
        Assert.Equal((Now.AddSeconds(60), Now.AddSeconds(60)), (entry.FreshUntil, entry.StaleUntil));
    }

    [Fact]
    public void EntryOptions_DurationsFromSettings()
    {
        var options = MetadataCache.EntryOptions(Settings, TimeSpan.FromSeconds(11));

        Assert.Equal(
            (TimeSpan.FromSeconds(3600), true, TimeSpan.FromSeconds(3600 + 86400), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(11)),
            (options.Duration, options.IsFailSafeEnabled, options.FailSafeMaxDuration, options.FailSafeThrottleDuration,
                options.DistributedLockTimeout));
        Assert.False(options.ReThrowSerializationExceptions);
        Assert.NotNull(options.Size); // a size-limited MemoryCache refuses entries without one
    }

    [Fact]
    public void EntryOptions_NoStaleGrace_FailSafeOff()
    {
        var options = MetadataCache.EntryOptions(new MetadataCacheOptions { StaleGraceSeconds = 0 }, TimeSpan.FromSeconds(6));

        Assert.False(options.IsFailSafeEnabled);
    }

    [Fact]
    public void EstimatedBytes_EmptyFacts_Overhead()
    {
        var entry = new CachedMetadata { Facts = new AssetFacts { Source = "" } };

        Assert.Equal(CachedMetadata.EntryOverheadBytes, entry.EstimatedBytes());
    }

    [Fact]
    public void EstimatedBytes_CountsEveryStringTwoBytesPerCharacter()
    {
        var preview = "data:image/png;base64," + new string('A', 300_000);
        var entry = new CachedMetadata
        {
            Facts = new AssetFacts
            {
                ContentType = "application/octet-stream", // 24
                Filename = "model.safetensors", // 17
                Name = "model", // 5
                ModelType = "LORA", // 4
                ModelFolder = "loras", // 5
                Sha256 = new string('a', 64), // 64
                FinalUrl = "https://example.com/model.safetensors", // 37
                PreviewImage = preview,
                Source = "http", // 4
            },
        };

        var characters = 24 + 17 + 5 + 4 + 5 + 64 + 37 + preview.Length + 4;
        Assert.Equal(CachedMetadata.EntryOverheadBytes + (2L * characters), entry.EstimatedBytes());
    }

    [Fact]
    public void EstimatedBytes_Negative_CountsCodeAndMessage()
    {
        var entry = new CachedMetadata { ErrorCode = "RESOURCE_NOT_FOUND", ErrorMessage = "Not found." };

        Assert.Equal(CachedMetadata.EntryOverheadBytes + (2L * (18 + 10)), entry.EstimatedBytes());
    }
}
