using System.Net;
using System.Security.Claims;
using ModelGateway.RateLimiting;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class RateLimitPartitionKeyTests
{
    [Fact]
    public void For_AuthenticatedKey_CountedByNameWithDefaultLimit()
    {
        var user = Principal(new Claim(ClaimTypes.Name, "team-a"));

        Assert.Equal(new RateLimitPartitionKey("key:team-a", 60), RateLimitPartitionKey.For(user, IPAddress.Loopback, 60));
    }

    [Fact]
    public void For_KeyWithPermitLimitClaim_UsesItsOwnLimit()
    {
        var user = Principal(new Claim(ClaimTypes.Name, "team-a"), new Claim("gateway:permit_limit", "120"));

        Assert.Equal(new RateLimitPartitionKey("key:team-a", 120), RateLimitPartitionKey.For(user, null, 60));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("many")]
    public void For_UnusablePermitLimitClaim_FallsBackToDefault(string claim)
    {
        var user = Principal(new Claim(ClaimTypes.Name, "team-a"), new Claim("gateway:permit_limit", claim));

        Assert.Equal(60, RateLimitPartitionKey.For(user, null, 60).PermitLimit);
    }

    [Fact]
    public void For_Anonymous_CountedByClientAddress()
    {
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity());

        Assert.Equal(new RateLimitPartitionKey("ip:192.0.2.7", 60),
            RateLimitPartitionKey.For(anonymous, IPAddress.Parse("::ffff:192.0.2.7"), 60));
        Assert.Equal(new RateLimitPartitionKey("ip:2001:db8::1", 60),
            RateLimitPartitionKey.For(anonymous, IPAddress.Parse("2001:db8::1"), 60));
        Assert.Equal(new RateLimitPartitionKey("ip:unknown", 60), RateLimitPartitionKey.For(null, null, 60));
    }

    private static ClaimsPrincipal Principal(params Claim[] claims) => new(new ClaimsIdentity(claims, "ApiKey"));
}
