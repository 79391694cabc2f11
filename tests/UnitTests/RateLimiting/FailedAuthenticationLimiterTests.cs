using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.RateLimiting;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class FailedAuthenticationLimiterTests : IDisposable
{
    private static readonly IPAddress Guesser = IPAddress.Parse("192.0.2.7");
    private static readonly IPAddress Other = IPAddress.Parse("2001:db8::1");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeLogger<FailedAuthenticationLimiter> _logger = new();
    private readonly FailedAuthenticationLimiter _limiter;
    private int _guesses;

    public FailedAuthenticationLimiterTests() =>
        _limiter = new FailedAuthenticationLimiter(
            Options.Create(new RateLimitingOptions { FailedAuthPermitLimit = 3, FailedAuthWindowSeconds = 60 }), _time, _logger);

    public void Dispose() => _limiter.Dispose();

    [Fact]
    public void RecordFailure_OneWrongKeyRepeated_NeverUsesUpTheBudget()
    {
        // A client with a stale key is not guessing: it must not lock out its address (a NAT, a proxy).
        for (var i = 0; i < 50; i++)
        {
            _limiter.RecordFailure(Guesser, keyFingerprint: 42);
        }
        _limiter.RecordFailure(Guesser, keyFingerprint: 43);

        Assert.Null(_limiter.RefusedFor(Guesser));
        Assert.Equal(
            ["Rejected an unknown API key from 192.0.2.7; further failures from this address in the next 60 s are counted, not logged one by one."],
            _logger.Collector.GetSnapshot().Select(r => r.Message));
        _limiter.RecordFailure(Guesser, keyFingerprint: 44);
        Assert.Equal(TimeSpan.FromSeconds(60), _limiter.RefusedFor(Guesser));
    }

    [Fact]
    public void RefusedFor_UnderBudget_NullSoTheKeyIsChecked()
    {
        Guess(Guesser);
        Guess(Guesser);

        Assert.Null(_limiter.RefusedFor(Guesser));
        Assert.Null(_limiter.RefusedFor(Other));
    }

    [Fact]
    public void RefusedFor_BudgetUsedUp_TimeUntilTheWindowEndsThenChecksAgain()
    {
        Guess(Guesser);
        _time.Advance(TimeSpan.FromSeconds(10));
        Guess(Guesser);
        Guess(Guesser);
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(TimeSpan.FromSeconds(45), _limiter.RefusedFor(Guesser));
        Assert.Null(_limiter.RefusedFor(Other));
        _time.Advance(TimeSpan.FromSeconds(45));
        Assert.Null(_limiter.RefusedFor(Guesser));
    }

    [Fact]
    public void RefusedFor_IPv4AndItsMappedForm_OneBudgetEach()
    {
        // A listener sees one form per client: counting them apart costs nothing and keeps the lookup allocation-free.
        for (var i = 0; i < 3; i++)
        {
            Guess(Guesser);
        }

        Assert.NotNull(_limiter.RefusedFor(Guesser));
        Assert.Null(_limiter.RefusedFor(Guesser.MapToIPv6()));
    }

    [Fact]
    public void RecordFailure_Flood_FirstRejectionAndBudgetLineOnlyThenOneCountWhenTheWindowCloses()
    {
        for (var i = 0; i < 3; i++)
        {
            Guess(Guesser);
        }
        for (var i = 0; i < 100; i++)
        {
            Assert.NotNull(_limiter.RefusedFor(Guesser));
        }
        var duringFlood = _logger.Collector.GetSnapshot();

        _time.Advance(TimeSpan.FromSeconds(60)); // the window closes; the sweep reports and drops it

        Assert.Equal(
            [
                (LogLevel.Information, "Rejected an unknown API key from 192.0.2.7; further failures from this address in the next 60 s are counted, not logged one by one."),
                (LogLevel.Warning, "192.0.2.7 presented 3 different wrong API keys within 60 s: its wrong keys are refused with 429 for 60 s (valid keys are served)."),
            ],
            duringFlood.Select(r => (r.Level, r.Message)));
        Assert.Equal(
            (LogLevel.Information, "192.0.2.7: 102 further failed or refused API key attempt(s) in its last 60 s window, not logged one by one."),
            (_logger.LatestRecord.Level, _logger.LatestRecord.Message));
        Assert.Equal(3, _logger.Collector.Count);
        Assert.Equal(0, _limiter.Count);
    }

    [Fact]
    public void RecordFailure_WindowClosedBeforeTheSweep_PreviousCountLoggedWithTheNextRejection()
    {
        _time.Advance(TimeSpan.FromSeconds(10));
        Guess(Other);
        Guess(Other);
        _time.Advance(TimeSpan.FromSeconds(65)); // the window closed at 70 s; the sweeps run at 60 s and 120 s

        Guess(Other);

        Assert.Equal(
            [
                "Rejected an unknown API key from 2001:db8::1; further failures from this address in the next 60 s are counted, not logged one by one.",
                "2001:db8::1: 1 further failed or refused API key attempt(s) in its last 60 s window, not logged one by one.",
                "Rejected an unknown API key from 2001:db8::1; further failures from this address in the next 60 s are counted, not logged one by one.",
            ],
            _logger.Collector.GetSnapshot().Select(r => r.Message));
    }

    [Fact]
    public void RecordFailure_BudgetUsedUpJustBeforeTheWindowCloses_RefusedForTheRestOnly()
    {
        Guess(Other);
        Guess(Other);
        _time.Advance(TimeSpan.FromSeconds(59.5));
        Guess(Other);

        Assert.Equal(TimeSpan.FromSeconds(0.5), _limiter.RefusedFor(Other));
        Assert.Equal(
            "2001:db8::1 presented 3 different wrong API keys within 60 s: its wrong keys are refused with 429 for 1 s (valid keys are served).",
            _logger.LatestRecord.Message);
    }

    [Fact]
    public void RecordFailure_NoPeerAddress_SharedUnknownBudget()
    {
        for (var i = 0; i < 3; i++)
        {
            Guess(null);
        }

        Assert.Equal(TimeSpan.FromSeconds(60), _limiter.RefusedFor(null));
        Assert.StartsWith("Rejected an unknown API key from unknown;", _logger.Collector.GetSnapshot()[0].Message, StringComparison.Ordinal);
    }

    private void Guess(IPAddress? address) => _limiter.RecordFailure(address, ++_guesses);
}
