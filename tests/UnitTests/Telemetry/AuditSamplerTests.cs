using Microsoft.Extensions.Time.Testing;
using ModelGateway.Telemetry;

namespace ModelGateway.UnitTests.Telemetry;

public sealed class AuditSamplerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryTake_FirstOfEachKeyThenOnePerIntervalReportingWhatWasHeldBack()
    {
        var sampler = new AuditSampler(_time);

        Assert.True(sampler.TryTake("a", out var first));
        Assert.False(sampler.TryTake("a", out _));
        Assert.False(sampler.TryTake("a", out _));
        Assert.True(sampler.TryTake("b", out var other));
        _time.Advance(AuditSampler.Interval - TimeSpan.FromTicks(1));
        Assert.False(sampler.TryTake("a", out _));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True(sampler.TryTake("a", out var next));

        Assert.Equal((0, 0, 3), (first, other, next));
    }

    [Fact]
    public void TryTake_MoreKeysThanTheBound_IdleKeysDropped()
    {
        var sampler = new AuditSampler(_time);
        for (var i = 0; i < AuditSampler.MaxKeys; i++)
        {
            Assert.True(sampler.TryTake($"address {i}", out _));
        }
        _time.Advance(AuditSampler.Interval);

        Assert.True(sampler.TryTake("one more", out _));

        Assert.Equal(1, sampler.Count);
    }
}
