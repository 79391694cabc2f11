using Microsoft.Extensions.Time.Testing;
using ModelGateway.RateLimiting;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class MemorySlidingWindowsTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly MemorySlidingWindows _windows;

    public MemorySlidingWindowsTests() => _windows = new MemorySlidingWindows(() => Window, _time);

    public void Dispose() => _windows.Dispose();

    [Fact]
    public void TryAcquire_PartitionsCountedApart()
    {
        var a = new RateLimitPartitionKey("key:a", 1);
        var b = new RateLimitPartitionKey("key:b", 1);

        Assert.Equal(RateLimitOutcome.Permitted, _windows.TryAcquire(a).Outcome);
        Assert.Equal(RateLimitOutcome.Limited, _windows.TryAcquire(a).Outcome);
        Assert.Equal(RateLimitOutcome.Permitted, _windows.TryAcquire(b).Outcome);
    }

    [Fact]
    public void Sweep_PartitionWithRequestsInTheWindow_KeptWithItsCount()
    {
        var partition = new RateLimitPartitionKey("key:a", 2);
        _windows.TryAcquire(partition);
        _time.Advance(TimeSpan.FromSeconds(30));
        _windows.TryAcquire(partition);

        _time.Advance(TimeSpan.FromSeconds(30)); // the sweep runs; the second request is still in the window

        Assert.Equal(1, _windows.Count);
        Assert.Equal(0, _windows.TryAcquire(partition).Remaining);
    }

    [Fact]
    public void Sweep_PartitionWithNothingLeftInTheWindow_Dropped()
    {
        _windows.TryAcquire(new RateLimitPartitionKey("ip:192.0.2.1", 5));
        _windows.TryAcquire(new RateLimitPartitionKey("ip:192.0.2.2", 5));

        _time.Advance(Window); // both requests leave the window as the sweep runs

        Assert.Equal(0, _windows.Count);
        Assert.Equal(4, _windows.TryAcquire(new RateLimitPartitionKey("ip:192.0.2.1", 5)).Remaining);
    }
}
