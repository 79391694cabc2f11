using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.RateLimiting;
using ModelGateway.Redis;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class GatewayPartitionLimiterTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RedisConnection _noRedis = new(Options.Create(new RedisOptions()), NullLogger<RedisConnection>.Instance);

    public void Dispose() => _noRedis.Dispose();

    [Fact]
    public async Task AcquireAsync_NoRedis_CountsInMemory()
    {
        using var limiter = Limiter(permitLimit: 2);

        using var first = await limiter.AcquireAsync();
        using var second = await limiter.AcquireAsync();
        using var third = await limiter.AcquireAsync();

        Assert.True(first.IsAcquired);
        Assert.True(second.IsAcquired);
        Assert.False(third.IsAcquired);
        Assert.True(third.TryGetMetadata(RateLimitDecision.MetadataName, out var decision));
        Assert.Equal(new RateLimitDecision(RateLimitOutcome.Limited, RateLimitStore.Memory, 2, TimeSpan.FromSeconds(60), 0, TimeSpan.FromSeconds(60)), decision);
        Assert.True(third.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(60), retryAfter);
        Assert.Equal(1, limiter.GetStatistics()!.TotalFailedLeases);
        Assert.Equal(2, limiter.GetStatistics()!.TotalSuccessfulLeases);
    }

    [Fact]
    public void AttemptAcquire_NeverDecides_SoNothingIsCountedTwice()
    {
        using var limiter = Limiter(permitLimit: 1);

        using var attempt = limiter.AttemptAcquire();

        Assert.False(attempt.IsAcquired);
        Assert.Equal(0, limiter.GetStatistics()!.TotalFailedLeases + limiter.GetStatistics()!.TotalSuccessfulLeases);
    }

    [Fact]
    public async Task IdleDuration_WhileRequestsAreInTheWindow_NullSoTheCountsAreKept()
    {
        using var limiter = Limiter(permitLimit: 5);
        (await limiter.AcquireAsync()).Dispose();

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Null(limiter.IdleDuration);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(60), limiter.IdleDuration);
    }

    private GatewayPartitionLimiter Limiter(int permitLimit) => new(
        new RateLimitPartitionKey("key:team-a", permitLimit),
        RateLimitingDefaults.PolicyName,
        new RateLimitingOptions(),
        _noRedis,
        new RedisCircuitBreaker(Options.Create(new RateLimitingOptions()), _time, NullLogger<RedisCircuitBreaker>.Instance),
        _time,
        new HttpContextAccessor());
}
