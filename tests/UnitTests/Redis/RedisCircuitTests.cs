using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.Redis;
using StackExchange.Redis;

namespace ModelGateway.UnitTests.Redis;

public sealed class RedisCircuitTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly FakeLogger<RedisCircuit> _logger = new();
    private readonly RedisCircuit _health;

    public RedisCircuitTests() => _health = new RedisCircuit(
        Options.Create(new RedisOptions { ConnectionString = "redis:6379" }),
        Options.Create(new RedisCircuitOptions { RetryInterval = TimeSpan.FromSeconds(5) }),
        _time,
        _logger);

    [Fact]
    public void New_ConfiguredAndAvailable()
    {
        Assert.True(_health.IsConfigured);
        Assert.True(_health.IsAvailable);
        Assert.Null(_health.UnavailableSince);
        Assert.Equal(TimeSpan.Zero, _health.RetryAfter);
        Assert.True(_health.TryEnter());
    }

    [Fact]
    public void TryEnter_AfterFailure_SkipsRedisThenLetsOneProbeThrough()
    {
        _health.ReportFailure(new RedisTimeoutException("Timeout performing EVALSHA", CommandStatus.Sent));

        Assert.False(_health.TryEnter());
        Assert.Equal(TimeSpan.FromSeconds(5), _health.RetryAfter);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(_health.TryEnter());
        Assert.Equal(TimeSpan.FromSeconds(1), _health.RetryAfter);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(_health.TryEnter());   // the probe
        Assert.False(_health.TryEnter());  // everyone else waits for its verdict
        Assert.Equal(TimeSpan.FromSeconds(5), _health.RetryAfter);
        _health.ReportSuccess();
        Assert.True(_health.TryEnter());
        Assert.True(_health.IsAvailable);
        Assert.Equal(TimeSpan.Zero, _health.RetryAfter);
    }

    [Fact]
    public void ReportFailure_ManyCallersOneOutage_OneLineWhenItStartsOneWhenItEnds()
    {
        _health.ReportFailure("SocketFailure on redis:6379/Interactive");
        _time.Advance(TimeSpan.FromSeconds(3));
        _health.ReportFailure(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Not connected."));
        _health.ReportFailure("SocketFailure on redis:6379/Subscription");
        var since = _health.UnavailableSince;
        _time.Advance(TimeSpan.FromSeconds(9.5));
        _health.ReportSuccess();
        _health.ReportSuccess();

        Assert.Equal(Start, since);
        Assert.Null(_health.UnavailableSince);
        Assert.Equal(
            [
                (LogLevel.Warning, "Redis unavailable (SocketFailure on redis:6379/Interactive); calls skip it and it is tried again every 5 s."),
                (LogLevel.Information, "Redis available again after 13 s."),
            ],
            _logger.Collector.GetSnapshot().Select(r => (r.Level, r.Message)));
    }

    [Theory]
    [InlineData(typeof(RedisConnectionException), true)]
    [InlineData(typeof(TimeoutException), true)]
    [InlineData(typeof(ObjectDisposedException), true)]
    [InlineData(typeof(InvalidOperationException), false)]
    [InlineData(typeof(NullReferenceException), false)]
    public void IsRedisFailure_ExceptionType_OnlyThoseThatMeanRedisCannotBeUsed(Type type, bool expected)
    {
        var exception = type == typeof(RedisConnectionException)
            ? new RedisConnectionException(ConnectionFailureType.SocketFailure, "down")
            : type == typeof(ObjectDisposedException) ? new ObjectDisposedException("multiplexer") : (Exception)Activator.CreateInstance(type)!;

        Assert.Equal(expected, RedisCircuit.IsRedisFailure(exception));
    }
}
