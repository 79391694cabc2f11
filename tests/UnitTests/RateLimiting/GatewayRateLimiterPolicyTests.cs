using System.Net;
using System.Security.Claims;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.RateLimiting;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class GatewayRateLimiterPolicyTests
{
    [Fact]
    public void PartitionFor_AuthenticatedKey_CountedByNameWithDefaultLimit()
    {
        var user = Principal(new Claim(ClaimTypes.Name, "team-a"));

        Assert.Equal(new RateLimitPartitionKey("key:team-a", 60), GatewayRateLimiterPolicy.PartitionFor(user, IPAddress.Loopback, 60));
    }

    [Fact]
    public void PartitionFor_KeyWithPermitLimitClaim_UsesItsOwnLimit()
    {
        var user = Principal(new Claim(ClaimTypes.Name, "team-a"), new Claim("gateway:permit_limit", "120"));

        Assert.Equal(new RateLimitPartitionKey("key:team-a", 120), GatewayRateLimiterPolicy.PartitionFor(user, null, 60));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("many")]
    public void PartitionFor_UnusablePermitLimitClaim_FallsBackToDefault(string claim)
    {
        var user = Principal(new Claim(ClaimTypes.Name, "team-a"), new Claim("gateway:permit_limit", claim));

        Assert.Equal(60, GatewayRateLimiterPolicy.PartitionFor(user, null, 60).PermitLimit);
    }

    [Fact]
    public void PartitionFor_Anonymous_CountedByClientAddress()
    {
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity());

        Assert.Equal(new RateLimitPartitionKey("ip:192.0.2.7", 60),
            GatewayRateLimiterPolicy.PartitionFor(anonymous, IPAddress.Parse("::ffff:192.0.2.7"), 60));
        Assert.Equal(new RateLimitPartitionKey("ip:2001:db8::1", 60),
            GatewayRateLimiterPolicy.PartitionFor(anonymous, IPAddress.Parse("2001:db8::1"), 60));
        Assert.Equal(new RateLimitPartitionKey("ip:unknown", 60), GatewayRateLimiterPolicy.PartitionFor(null, null, 60));
    }

    [Theory]
    [InlineData(100.0, 130.0, 30.0)]   // oldest request 30 s ago: frees in 30 s
    [InlineData(100.25, 100.25, 60.0)] // just counted: a whole window
    [InlineData(100.0, 175.0, 0.0)]    // already out of the window
    [InlineData(200.0, 100.0, 60.0)]   // another replica's clock ahead: never more than a window
    public void ResetAfter_OldestScore_TimeUntilItLeavesTheWindow(double oldest, double now, double expectedSeconds)
    {
        var reset = GatewayPartitionLimiter.ResetAfter(oldest, TimeSpan.FromSeconds(60), DateTimeOffset.UnixEpoch.AddSeconds(now));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), reset);
    }

    [Fact]
    public void ResetAfter_NothingCounted_WholeWindow() =>
        Assert.Equal(TimeSpan.FromSeconds(60), GatewayPartitionLimiter.ResetAfter(null, TimeSpan.FromSeconds(60), DateTimeOffset.UnixEpoch));

    [Fact]
    public void CircuitBreaker_AfterFailure_SkipsRedisThenLetsOneProbeThrough()
    {
        var time = new FakeTimeProvider();
        var breaker = new RedisCircuitBreaker(Options.Create(new RateLimitingOptions { RedisRetrySeconds = 5 }), time, NullLogger<RedisCircuitBreaker>.Instance);
        Assert.True(breaker.TryEnter());

        breaker.RecordFailure(new TimeoutException());

        Assert.False(breaker.TryEnter());
        Assert.Equal(TimeSpan.FromSeconds(5), breaker.RetryAfter);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(breaker.TryEnter());
        Assert.Equal(TimeSpan.FromSeconds(1), breaker.RetryAfter);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.TryEnter());   // the probe
        Assert.False(breaker.TryEnter());  // everyone else waits for its verdict
        breaker.RecordSuccess();
        Assert.True(breaker.TryEnter());
        Assert.False(breaker.IsOpen);
        Assert.Equal(TimeSpan.Zero, breaker.RetryAfter);
    }

    [Fact]
    public void OptionsValidator_InvalidValues_ListsEveryProblem()
    {
        var options = new RateLimitingOptions { PermitLimit = 0, WindowSeconds = 86_401, RedisFailureMode = (RedisFailureMode)7, RedisRetrySeconds = 0 };

        var result = new RateLimitingOptionsValidator().Validate(null, options);

        Assert.Equal(
            [
                "RateLimiting:PermitLimit must be a positive number of requests.",
                "RateLimiting:WindowSeconds must be between 1 and 86400.",
                "RateLimiting:RedisFailureMode must be FailOpen or FailClosed.",
                "RateLimiting:RedisRetrySeconds must be between 1 and 300.",
            ],
            result.Failures);
    }

    [Fact]
    public void OptionsValidator_Defaults_Succeed() =>
        Assert.True(new RateLimitingOptionsValidator().Validate(null, new RateLimitingOptions()).Succeeded);

    private static ClaimsPrincipal Principal(params Claim[] claims) => new(new ClaimsIdentity(claims, "ApiKey"));
}
