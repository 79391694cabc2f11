using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.RateLimiting;

public sealed class RateLimitingStartupTests
{
    [Fact]
    public void Start_BadRateLimitingSettings_EachListedOnce()
    {
        var problems = GatewayFactory.StartupFailure(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = "127.0.0.1:1",
            ["RateLimiting:RedisRetrySeconds"] = "0",
            ["RateLimiting:FailedAuthPermitLimit"] = "0",
            ["RateLimiting:FailedAuthWindowSeconds"] = "86401",
        }).Problems;

        Assert.Equal(
            [
                "RateLimiting:RedisRetrySeconds must be between 1 and 300.",
                "RateLimiting:FailedAuthPermitLimit must be a positive number of wrong keys.",
                "RateLimiting:FailedAuthWindowSeconds must be between 1 and 86400.",
            ],
            problems);
    }
}
