using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.RateLimiting;
using ModelGateway.UnitTests.Egress;
using ModelGateway.Redis;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class GatewayRateLimiterTests : IDisposable
{
    private static readonly RateLimitPartitionKey TeamA = new("key:team-a", 2);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IDisposable> _disposables = [];

    public void Dispose() => _disposables.ForEach(d => d.Dispose());

    [Fact]
    public void DecideAsync_NoRedis_CountsInMemorySynchronously()
    {
        var limiter = Limiter(redisConnection: null, RedisFailureMode.FailClosed, out _);

        var decisions = Enumerable.Range(0, 3).Select(_ => DecidedSynchronously(limiter.DecideAsync(TeamA))).ToList();

        Assert.Equal(
            [RateLimitOutcome.Permitted, RateLimitOutcome.Permitted, RateLimitOutcome.Limited],
            decisions.Select(d => d.Outcome));
        Assert.Equal(new RateLimitDecision(RateLimitOutcome.Limited, 2, TimeSpan.FromSeconds(60), 0, TimeSpan.FromSeconds(60)), decisions[2]);
    }

    [Fact]
    public void DecideAsync_RedisUnavailableFailOpen_CountsInMemoryWithoutCallingRedis()
    {
        var limiter = Limiter("127.0.0.1:1", RedisFailureMode.FailOpen, out var health);
        health.ReportFailure("test outage");

        var decisions = Enumerable.Range(0, 3).Select(_ => DecidedSynchronously(limiter.DecideAsync(TeamA))).ToList();

        Assert.Equal([1, 0, 0], decisions.Select(d => d.Remaining));
        Assert.Equal(RateLimitOutcome.Limited, decisions[2].Outcome);
    }

    [Fact]
    public void DecideAsync_RedisUnavailableFailClosed_UnavailableUntilTheNextProbe()
    {
        var limiter = Limiter("127.0.0.1:1", RedisFailureMode.FailClosed, out var health);
        health.ReportFailure("test outage");
        _time.Advance(TimeSpan.FromSeconds(2));

        var decision = DecidedSynchronously(limiter.DecideAsync(TeamA));

        Assert.Equal(RateLimitDecision.Unavailable(2, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(3)), decision);
    }

    private static RateLimitDecision DecidedSynchronously(ValueTask<RateLimitDecision> deciding)
    {
        Assert.True(deciding.IsCompletedSuccessfully);
        return deciding.Result;
    }

    private GatewayRateLimiter Limiter(string? redisConnection, RedisFailureMode failureMode, out RedisCircuit health)
    {
        var options = new StaticOptionsMonitor<RateLimitingOptions>(new RateLimitingOptions { RedisFailureMode = failureMode });
        var redisOptions = Options.Create(new RedisOptions { ConnectionString = redisConnection });
        health = new RedisCircuit(redisOptions, Options.Create(new RedisCircuitOptions()), _time, NullLogger<RedisCircuit>.Instance);
        var connection = new RedisConnection(redisOptions, health, NullLogger<RedisConnection>.Instance);
        var memory = new MemorySlidingWindows(() => options.CurrentValue.Window, _time);
        _disposables.AddRange([connection, memory]);
        return new GatewayRateLimiter(options, health, new RedisSlidingWindow(connection), memory);
    }
}
