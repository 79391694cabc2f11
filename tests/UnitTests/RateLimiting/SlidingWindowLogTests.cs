using ModelGateway.RateLimiting;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class SlidingWindowLogTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    [Fact]
    public void TryAcquire_UpToLimit_PermittedWithDecreasingRemaining()
    {
        var log = new SlidingWindowLog();

        var decisions = Enumerable.Range(0, 3).Select(i => log.TryAcquire(Start.AddSeconds(i * 10), 3, Window)!).ToList();

        Assert.All(decisions, d => Assert.Equal(RateLimitOutcome.Permitted, d.Outcome));
        Assert.Equal([2, 1, 0], decisions.Select(d => d.Remaining));
        // Reset counts down to the moment the first request leaves the window.
        Assert.Equal([Window, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(40)], decisions.Select(d => d.ResetAfter));
        Assert.All(decisions, d => Assert.Equal((3, Window), (d.Limit, d.Window)));
    }

    [Fact]
    public void TryAcquire_OverLimit_LimitedUntilTheOldestRequestLeavesTheWindow()
    {
        var log = new SlidingWindowLog();
        log.TryAcquire(Start, 2, Window);
        log.TryAcquire(Start.AddSeconds(30), 2, Window);

        var refused = log.TryAcquire(Start.AddSeconds(45), 2, Window)!;
        var stillRefused = log.TryAcquire(Start.AddSeconds(59.9), 2, Window)!;
        var freed = log.TryAcquire(Start.AddSeconds(60), 2, Window)!;
        var refusedAgain = log.TryAcquire(Start.AddSeconds(61), 2, Window)!;

        Assert.Equal(RateLimitOutcome.Limited, refused.Outcome);
        Assert.Equal(0, refused.Remaining);
        Assert.Equal(TimeSpan.FromSeconds(15), refused.ResetAfter);
        Assert.Equal(RateLimitOutcome.Limited, stillRefused.Outcome);
        Assert.Equal(RateLimitOutcome.Permitted, freed.Outcome);
        Assert.Equal(0, freed.Remaining);
        Assert.Equal(TimeSpan.FromSeconds(30), freed.ResetAfter);
        Assert.Equal(RateLimitOutcome.Limited, refusedAgain.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(29), refusedAgain.ResetAfter);
    }

    [Fact]
    public void TryAcquire_RefusedRequests_AreNotCounted()
    {
        var log = new SlidingWindowLog();
        log.TryAcquire(Start, 1, Window);
        for (var i = 1; i < 10; i++)
        {
            log.TryAcquire(Start.AddSeconds(i), 1, Window);
        }

        Assert.Equal(RateLimitOutcome.Permitted, log.TryAcquire(Start.AddSeconds(60), 1, Window)!.Outcome);
    }

    [Fact]
    public void TryRetire_WhileARequestIsInTheWindow_FalseAndTheLogKeepsCounting()
    {
        var log = new SlidingWindowLog();
        log.TryAcquire(Start, 5, Window);

        Assert.False(log.TryRetire(Start.AddSeconds(59), Window));
        Assert.Equal(3, log.TryAcquire(Start.AddSeconds(59), 5, Window)!.Remaining);
    }

    [Fact]
    public void TryRetire_AfterTheWindow_TrueAndTheLogCountsNoMore()
    {
        var log = new SlidingWindowLog();
        log.TryAcquire(Start, 5, Window);

        Assert.True(log.TryRetire(Start.AddSeconds(60), Window));
        Assert.Null(log.TryAcquire(Start.AddSeconds(61), 5, Window));
    }
}
