using ModelGateway.RateLimiting;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class RedisSlidingWindowTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(true, 1, 60_000_000, 9, 60.0)]      // first request of the window: a whole window
    [InlineData(true, 4, 30_250_000, 6, 30.25)]     // oldest counted 29.75 s ago
    [InlineData(false, 10, 1_000, 0, 0.001)]        // full; the oldest leaves in 1 ms
    [InlineData(false, 12, 5_000_000, 0, 5.0)]      // limit lowered below the count: nothing remains
    [InlineData(true, 1, -3, 9, 0.0)]               // never negative
    [InlineData(true, 1, 90_000_000, 9, 60.0)]      // never more than a window
    public void ToDecision_ScriptAnswer_DecisionWithClampedFigures(bool permitted, long count, long resetMicroseconds, int remaining, double resetSeconds)
    {
        var decision = RedisSlidingWindow.ToDecision(permitted, count, resetMicroseconds, 10, Window);

        Assert.Equal(
            new RateLimitDecision(permitted ? RateLimitOutcome.Permitted : RateLimitOutcome.Limited, 10, Window, remaining, TimeSpan.FromSeconds(resetSeconds)),
            decision);
    }

    [Theory]
    [InlineData("key:team-a", "model-gateway-ratelimit:{key:team-a}")]
    [InlineData("ip:2001:db8::1", "model-gateway-ratelimit:{ip:2001:db8::1}")]
    public void KeyFor_Partition_PrefixedHashTaggedNeverTheCacheNamespace(string partition, string expected)
    {
        var key = RedisSlidingWindow.KeyFor(partition).ToString();

        Assert.Equal(expected, key);
        Assert.False(key.StartsWith("model-gateway:", StringComparison.Ordinal));
    }
}
