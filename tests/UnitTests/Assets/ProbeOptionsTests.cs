using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModelGateway.Assets;
using ModelGateway.Primitives;
using ModelGateway.UnitTests.Hosting;

namespace ModelGateway.UnitTests.Assets;

public sealed class ProbeOptionsTests
{
    [Fact]
    public void Validate_Defaults_NoProblems()
    {
        Assert.Empty(ConfigurationProblems.Of([], s => s.AddAssetPipeline()));
    }

    [Theory]
    [InlineData("Probes:MaxConcurrentPerKey", "0", "Probes:MaxConcurrentPerKey must be between 1 and 10000.")]
    [InlineData("Probes:MaxConcurrentPerKey", "10001", "Probes:MaxConcurrentPerKey must be between 1 and 10000.")]
    [InlineData("Probes:MaxConcurrent", "0", "Probes:MaxConcurrent must be between 1 and 100000.")]
    [InlineData("Probes:MaxConcurrent", "100001", "Probes:MaxConcurrent must be between 1 and 100000.")]
    public void Validate_OutOfRange_Named(string key, string value, string expected)
    {
        Assert.Equal([expected], ConfigurationProblems.Of(new() { [key] = value }, s => s.AddAssetPipeline()));
    }

    [Fact]
    public void Acquire_PerKeyBudget_RefusedWith429BeyondItAndFreedOnDispose()
    {
        using var limiter = Limiter(perKey: 2, total: 10);

        var first = limiter.Acquire("team-a");
        using var second = limiter.Acquire("team-a");
        var refused = Assert.Throws<GatewayException>(() => limiter.Acquire("team-a"));
        using var otherKey = limiter.Acquire("team-b");
        first.Dispose();
        using var again = limiter.Acquire("team-a");

        Assert.Equal((429, "RATE_LIMITED", TimeSpan.FromSeconds(1)), (refused.StatusCode, refused.Code, refused.RetryAfter));
    }

    [Fact]
    public void Acquire_TotalBudget_RefusedWith503AndTheKeysPermitNotKept()
    {
        using var limiter = Limiter(perKey: 1, total: 1);

        var held = limiter.Acquire("team-a");
        var refused = Assert.Throws<GatewayException>(() => limiter.Acquire("team-b"));
        held.Dispose();
        using var teamB = limiter.Acquire("team-b"); // its refused attempt left no permit behind

        Assert.Equal((503, "SERVICE_UNAVAILABLE", TimeSpan.FromSeconds(1)), (refused.StatusCode, refused.Code, refused.RetryAfter));
    }

    private static ProbeLimiter Limiter(int perKey, int total) =>
        new(Options.Create(new ProbeOptions { MaxConcurrentPerKey = perKey, MaxConcurrent = total }), NullLogger<ProbeLimiter>.Instance);
}
