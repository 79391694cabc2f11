using Microsoft.AspNetCore.Http;
using ModelGateway.RateLimiting;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class RateLimitHeadersTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);

    [Fact]
    public void FormatPolicy_QuotaAndWindow_Draft10Item() =>
        Assert.Equal("\"per-key\";q=60;w=60", RateLimitHeaders.FormatPolicy("per-key", 60, Minute));

    [Fact]
    public void FormatRateLimit_RemainingAndReset_Draft10Item() =>
        Assert.Equal("\"per-key\";r=59;t=42", RateLimitHeaders.FormatRateLimit("per-key", 59, TimeSpan.FromSeconds(41.2)));

    [Fact]
    public void FormatRateLimit_NegativeRemaining_ClampedToZero() =>
        Assert.Equal("\"per-key\";r=0;t=1", RateLimitHeaders.FormatRateLimit("per-key", -3, TimeSpan.FromMilliseconds(1)));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-500, 0)]
    [InlineData(1, 1)]
    [InlineData(999, 1)]
    [InlineData(1000, 1)]
    [InlineData(1001, 2)]
    [InlineData(59_999, 60)]
    [InlineData(60_000, 60)]
    public void Seconds_Milliseconds_RoundedUp(int milliseconds, long expected) =>
        Assert.Equal(expected, RateLimitHeaders.Seconds(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-20, 1)]
    [InlineData(300, 1)]
    [InlineData(12_100, 13)]
    public void RetryAfterSeconds_Milliseconds_RoundedUpAtLeastOne(int milliseconds, long expected) =>
        Assert.Equal(expected, RateLimitHeaders.RetryAfterSeconds(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void Apply_Permitted_PolicyAndRateLimitWithoutRetryAfter()
    {
        var headers = new HeaderDictionary();

        RateLimitHeaders.Apply(headers, "per-key", new RateLimitDecision(RateLimitOutcome.Permitted, 60, Minute, 57, TimeSpan.FromSeconds(33.5)));

        Assert.Equal("\"per-key\";q=60;w=60", headers["RateLimit-Policy"].ToString());
        Assert.Equal("\"per-key\";r=57;t=34", headers["RateLimit"].ToString());
        Assert.False(headers.ContainsKey("Retry-After"));
    }

    [Fact]
    public void Apply_Limited_RetryAfterIsTimeUntilAPermitFrees()
    {
        var headers = new HeaderDictionary();

        RateLimitHeaders.Apply(headers, "per-key", new RateLimitDecision(RateLimitOutcome.Limited, 5, Minute, 0, TimeSpan.FromSeconds(7.25)));

        Assert.Equal("\"per-key\";r=0;t=8", headers["RateLimit"].ToString());
        Assert.Equal("8", headers["Retry-After"].ToString());
    }

    [Fact]
    public void Apply_StoreUnavailable_PolicyAndRetryAfterButNoRateLimit()
    {
        var headers = new HeaderDictionary();

        RateLimitHeaders.Apply(headers, "per-key", RateLimitDecision.Unavailable(60, Minute, TimeSpan.FromSeconds(4.5)));

        Assert.Equal("\"per-key\";q=60;w=60", headers["RateLimit-Policy"].ToString());
        Assert.False(headers.ContainsKey("RateLimit"));
        Assert.Equal("5", headers["Retry-After"].ToString());
    }

    [Fact]
    public void Apply_UpstreamAlreadySentFields_OursAppendedToTheList()
    {
        var headers = new HeaderDictionary { ["RateLimit"] = "\"api\";r=498;t=150" };

        RateLimitHeaders.Apply(headers, "per-key", new RateLimitDecision(RateLimitOutcome.Permitted, 2, Minute, 1, Minute));

        Assert.Equal(new string?[] { "\"api\";r=498;t=150", "\"per-key\";r=1;t=60" }, headers["RateLimit"].ToArray());
    }
}
