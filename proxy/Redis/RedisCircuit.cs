using System.Net.Sockets;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ModelGateway.Redis;

/// <summary>
/// The app's one circuit breaker on Redis — its one answer to "can Redis be used now?" — shared by everything that
/// calls Redis (rate limiter, cache, its locks, readiness); FusionCache's own breaker is off. Fed by the connection's <c>ConnectionFailed</c>/<c>ConnectionRestored</c> events and by the failures
/// and successes callers report. While Redis is unavailable callers skip it (<see cref="TryEnter"/> is false), except
/// one probe per <see cref="RedisCircuitOptions.RetryInterval"/>, so no request waits on a dead Redis for long. An
/// outage is logged once when it starts and once when it ends, whoever noticed it.
/// </summary>
internal sealed partial class RedisCircuit(
    IOptions<RedisOptions> options,
    IOptions<RedisCircuitOptions> healthOptions,
    TimeProvider time,
    ILogger<RedisCircuit> logger)
{
    // UTC ticks; 0 = available.
    private long _unavailableSince;

    // UTC ticks before which no caller probes an unavailable Redis.
    private long _nextProbe;

    /// <summary>Whether <c>ConnectionStrings:Redis</c> is set at all.</summary>
    public bool IsConfigured => options.Value.IsConfigured;

    /// <summary>False from a reported failure until a success (or the connection's restore).</summary>
    public bool IsAvailable => Interlocked.Read(ref _unavailableSince) == 0;

    /// <summary>When the current outage began; null while Redis is available.</summary>
    public DateTimeOffset? UnavailableSince =>
        Interlocked.Read(ref _unavailableSince) is var since and not 0 ? new DateTimeOffset(since, TimeSpan.Zero) : null;

    /// <summary>Time until the next probe of an unavailable Redis (zero while it is available).</summary>
    public TimeSpan RetryAfter => IsAvailable
        ? TimeSpan.Zero
        : TimeSpan.FromTicks(Math.Max(0, Interlocked.Read(ref _nextProbe) - time.GetUtcNow().UtcTicks));

    /// <summary>
    /// Whether this caller may call Redis now: always while it is available; while it is not, exactly one caller per
    /// retry interval (the probe), which must then report its success or failure.
    /// </summary>
    public bool TryEnter()
    {
        if (IsAvailable)
        {
            return true;
        }
        var nextProbe = Interlocked.Read(ref _nextProbe);
        var now = time.GetUtcNow().UtcTicks;
        return now >= nextProbe
            && Interlocked.CompareExchange(ref _nextProbe, now + healthOptions.Value.RetryInterval.Ticks, nextProbe) == nextProbe;
    }

    /// <summary>A call to Redis succeeded: it is available (logged when that ends an outage).</summary>
    public void ReportSuccess()
    {
        if (Interlocked.Read(ref _unavailableSince) == 0)
        {
            return; // the usual case, on every call: no shared write
        }
        var since = Interlocked.Exchange(ref _unavailableSince, 0);
        if (since != 0)
        {
            Log.Available(logger, (int)Math.Ceiling(TimeSpan.FromTicks(time.GetUtcNow().UtcTicks - since).TotalSeconds));
        }
    }

    /// <summary>A call to Redis failed as <see cref="IsRedisFailure"/> says.</summary>
    public void ReportFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ReportFailure($"{exception.GetType().Name}: {exception.Message}");
    }

    /// <summary>Redis cannot be used: callers skip it until the next probe (logged when that starts an outage).</summary>
    public void ReportFailure(string reason)
    {
        var now = time.GetUtcNow().UtcTicks;
        var retry = healthOptions.Value.RetryInterval;
        Interlocked.Exchange(ref _nextProbe, now + retry.Ticks);
        if (Interlocked.CompareExchange(ref _unavailableSince, now, 0) == 0)
        {
            Log.Unavailable(logger, reason, (int)retry.TotalSeconds);
        }
    }

    /// <summary>Exceptions that mean "Redis cannot be used now" (not a bug in the caller).</summary>
    public static bool IsRedisFailure(Exception exception) =>
        exception is RedisException or TimeoutException or SocketException or IOException or ObjectDisposedException;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Redis unavailable ({Reason}); calls skip it and it is tried again every {RetrySeconds} s.", EventName = "RedisUnavailable")]
        public static partial void Unavailable(ILogger logger, string reason, int retrySeconds);

        [LoggerMessage(2, LogLevel.Information, "Redis available again after {OutageSeconds} s.", EventName = "RedisAvailable")]
        public static partial void Available(ILogger logger, int outageSeconds);
    }
}
