using Microsoft.Extensions.Configuration;
using ModelGateway.RateLimiting;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class RateLimitingConfigValidatorTests
{
    [Fact]
    public void Validate_Defaults_NoProblems()
    {
        Assert.Empty(Problems([]));
    }

    [Fact]
    public void Validate_InvalidValues_ListsEveryProblem()
    {
        var problems = Problems(new()
        {
            ["RateLimiting:PermitLimit"] = "0",
            ["RateLimiting:WindowSeconds"] = "86401",
            ["RateLimiting:RedisFailureMode"] = "7",
            ["RateLimiting:RedisRetrySeconds"] = "0",
            ["RateLimiting:FailedAuthPermitLimit"] = "-1",
            ["RateLimiting:FailedAuthWindowSeconds"] = "0",
        });

        Assert.Equal(
        [
            "RateLimiting:PermitLimit must be a positive number of requests.",
            "RateLimiting:WindowSeconds must be between 1 and 86400.",
            "RateLimiting:RedisFailureMode must be FailOpen or FailClosed.",
            "RateLimiting:RedisRetrySeconds must be between 1 and 300.",
            "RateLimiting:FailedAuthPermitLimit must be a positive number of wrong keys.",
            "RateLimiting:FailedAuthWindowSeconds must be between 1 and 86400.",
        ], problems);
    }

    [Fact]
    public void Validate_UnknownFailureModeName_NamedWithItsKey()
    {
        var problem = Assert.Single(Problems(new() { ["RateLimiting:RedisFailureMode"] = "FailSometimes" }));

        Assert.StartsWith("Failed to convert configuration value 'FailSometimes' at 'RateLimiting:RedisFailureMode'", problem, StringComparison.Ordinal);
    }

    private static List<string> Problems(Dictionary<string, string?> settings)
    {
        var problems = new List<string>();
        new RateLimitingConfigValidator().Validate(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), problems);
        return problems;
    }
}
