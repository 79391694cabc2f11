using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace ModelGateway.RateLimiting;

/// <summary>
/// The failed-authentication budget, consulted for a key that did not match: each client address may present
/// <c>RateLimiting:FailedAuthPermitLimit</c> different wrong keys per <c>RateLimiting:FailedAuthWindowSeconds</c> (the
/// window opens at the address's first failure). Beyond that its wrong keys are refused (429) until the window ends,
/// without being counted or logged one by one. A valid key is never refused: one misconfigured script behind an
/// office's NAT must not lock out everyone there. So the budget bounds a flood's work and log, not a guesser's pace —
/// what protects a key is its length (long random keys). Only different keys count: a client repeating one stale key
/// is not guessing.
/// <para>
/// Rejected keys are logged sampled, so a flood writes a bounded number of lines: the first rejection per address and
/// window, one line when the budget is used up, and when the window closes one count of the failures and refusals not
/// logged one by one. A wrong key is known here only by a fingerprint (its string hash, randomised per process), held
/// in memory for its window and never logged.
/// </para>
/// <para>
/// Counted in each replica's memory: what the budget protects — a replica's CPU and its log — is per replica, and with
/// R replicas an address gets R times the budget, which changes nothing for guessing a long random key.
/// </para>
/// </summary>
internal sealed partial class FailedAuthenticationLimiter : IDisposable
{
    private static readonly TimeSpan LongestSweepPeriod = TimeSpan.FromMinutes(1);

    // Requests without a peer address (a Unix socket, the test server) share one budget.
    private static readonly IPAddress NoAddress = IPAddress.None;

    private readonly ConcurrentDictionary<IPAddress, AddressAttempts> _addresses = new();
    private readonly int _permitLimit;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly ILogger<FailedAuthenticationLimiter> _logger;
    private readonly ITimer _sweeper;

    public FailedAuthenticationLimiter(IOptions<RateLimitingOptions> options, TimeProvider time, ILogger<FailedAuthenticationLimiter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _permitLimit = options.Value.FailedAuthPermitLimit;
        _window = options.Value.FailedAuthWindow;
        _time = time;
        _logger = logger;
        var period = _window < LongestSweepPeriod ? _window : LongestSweepPeriod;
        _sweeper = time.CreateTimer(static state => ((FailedAuthenticationLimiter)state!).Sweep(), this, period, period);
    }

    /// <summary>Addresses currently held.</summary>
    public int Count => _addresses.Count;

    /// <summary>Null when a wrong key from <paramref name="address"/> is answered as unknown (401); else how long its wrong keys are still refused.</summary>
    public TimeSpan? RefusedFor(IPAddress? address) =>
        _addresses.TryGetValue(address ?? NoAddress, out var attempts)
            ? attempts.RefusedFor(_time.GetUtcNow().UtcTicks, _permitLimit)
            : null;

    /// <summary>
    /// A key from <paramref name="address"/> was checked and rejected; <paramref name="keyFingerprint"/> tells a new
    /// guess from a repeat.
    /// </summary>
    public void RecordFailure(IPAddress? address, int keyFingerprint)
    {
        var key = address ?? NoAddress;
        var now = _time.GetUtcNow().UtcTicks;
        while (true)
        {
            var attempts = _addresses.GetOrAdd(key, static a => new AddressAttempts(Describe(a)));
            if (attempts.RecordFailure(now, _window.Ticks, _permitLimit, keyFingerprint) is { } failure)
            {
                Report(attempts.Address, failure);
                return;
            }
            // Retired by a sweep in between: make sure it is gone, then count in a fresh entry.
            _addresses.TryRemove(KeyValuePair.Create(key, attempts));
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private void Report(string address, Failure failure)
    {
        var windowSeconds = (int)_window.TotalSeconds;
        if (failure.UnloggedInPreviousWindow > 0)
        {
            Log.NotLogged(_logger, failure.UnloggedInPreviousWindow, address, windowSeconds);
        }
        if (failure.IsFirstInWindow)
        {
            Log.UnknownKey(_logger, address, windowSeconds);
        }
        if (failure.UsedUpBudget)
        {
            Log.BudgetUsedUp(_logger, address, _permitLimit, windowSeconds, (int)RateLimitHeaders.RetryAfterSeconds(failure.RefusedFor));
        }
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow().UtcTicks;
        foreach (var (address, attempts) in _addresses)
        {
            if (attempts.TryRetire(now) is { } unlogged)
            {
                _addresses.TryRemove(KeyValuePair.Create(address, attempts));
                if (unlogged > 0)
                {
                    Log.NotLogged(_logger, unlogged, attempts.Address, (int)_window.TotalSeconds);
                }
            }
        }
    }

    private static string Describe(IPAddress address) =>
        ReferenceEquals(address, NoAddress) ? "unknown" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    /// <summary>What one recorded failure means for the log.</summary>
    private readonly record struct Failure(bool IsFirstInWindow, bool UsedUpBudget, int UnloggedInPreviousWindow, TimeSpan RefusedFor);

    /// <summary>One address's current window.</summary>
    private sealed class AddressAttempts(string address)
    {
        private readonly Lock _lock = new();
        private readonly HashSet<int> _wrongKeys = [];
        private long _windowEnd;
        private int _failures;
        private int _unlogged;
        private bool _retired;

        /// <summary>The address as logged.</summary>
        public string Address { get; } = address;

        public TimeSpan? RefusedFor(long now, int permitLimit)
        {
            lock (_lock)
            {
                if (now >= _windowEnd || _wrongKeys.Count < permitLimit)
                {
                    return null;
                }
                _unlogged++;
                return TimeSpan.FromTicks(_windowEnd - now);
            }
        }

        /// <summary>Null when this entry was retired and a fresh one must count the failure.</summary>
        public Failure? RecordFailure(long now, long window, int permitLimit, int keyFingerprint)
        {
            lock (_lock)
            {
                if (_retired)
                {
                    return null;
                }
                var unloggedInPreviousWindow = 0;
                if (now >= _windowEnd)
                {
                    unloggedInPreviousWindow = _unlogged;
                    _windowEnd = now + window;
                    _wrongKeys.Clear();
                    _failures = 0;
                    _unlogged = 0;
                }
                _failures++;
                if (_failures > 1)
                {
                    _unlogged++;
                }
                var usedUpBudget = _wrongKeys.Add(keyFingerprint) && _wrongKeys.Count == permitLimit;
                return new Failure(_failures == 1, usedUpBudget, unloggedInPreviousWindow, TimeSpan.FromTicks(_windowEnd - now));
            }
        }

        /// <summary>When the window has closed: retires the entry and answers how many attempts were not logged.</summary>
        public int? TryRetire(long now)
        {
            lock (_lock)
            {
                if (now < _windowEnd)
                {
                    return null;
                }
                _retired = true;
                return _unlogged;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Rejected an unknown API key from {RemoteAddress}; further failures from this address in the next {WindowSeconds} s are counted, not logged one by one.", EventName = "UnknownApiKey")]
        public static partial void UnknownKey(ILogger logger, string remoteAddress, int windowSeconds);

        [LoggerMessage(2, LogLevel.Warning, "{RemoteAddress} presented {PermitLimit} different wrong API keys within {WindowSeconds} s: its wrong keys are refused with 429 for {RetryAfterSeconds} s (valid keys are served).", EventName = "FailedAuthBudgetUsedUp")]
        public static partial void BudgetUsedUp(ILogger logger, string remoteAddress, int permitLimit, int windowSeconds, int retryAfterSeconds);

        [LoggerMessage(3, LogLevel.Information, "{RemoteAddress}: {Count} further failed or refused API key attempt(s) in its last {WindowSeconds} s window, not logged one by one.", EventName = "FailedAuthNotLogged")]
        public static partial void NotLogged(ILogger logger, int count, string remoteAddress, int windowSeconds);
    }
}
