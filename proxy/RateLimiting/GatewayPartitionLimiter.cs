using System.Globalization;
using System.Threading.RateLimiting;
using ModelGateway.Redis;
using RedisRateLimiting;
using StackExchange.Redis;

namespace ModelGateway.RateLimiting;

/// <summary>Who is counted (an API key's name, or an anonymous client's address) and how many requests they get.</summary>
public readonly record struct RateLimitPartitionKey(string Id, int PermitLimit);

/// <summary>
/// One partition's limiter. Counts in Redis (RedisRateLimiting's sliding window, shared by every replica) when
/// <c>ConnectionStrings:Redis</c> is set, otherwise in this replica's memory. While Redis fails it falls back as
/// <see cref="RedisFailureMode"/> says, behind <see cref="RedisCircuitBreaker"/> so no request waits on a dead Redis
/// for long. Every decision's rate-limit fields are added to the current response (success included).
/// </summary>
internal sealed class GatewayPartitionLimiter : RateLimiter
{
    // The sorted set RedisRateLimiting 1.2.1 keeps for a sliding-window partition ("rl:sw:{partition}", scores in
    // Unix seconds). Read after each decision: the library reports neither the remaining quota nor when a permit
    // frees. (A request on another replica in between can make one answer's figures a request stale; the decision
    // itself is the library's atomic script.)
    private static readonly LuaScript WindowScript = LuaScript.Prepare(
        "local oldest = redis.call('ZRANGE', @key, 0, 0, 'WITHSCORES') " +
        "return { redis.call('ZCARD', @key), oldest[2] or '' }");

    private readonly RateLimitPartitionKey _key;
    private readonly string _policyName;
    private readonly RateLimitingOptions _options;
    private readonly RedisConnection _redis;
    private readonly RedisCircuitBreaker _breaker;
    private readonly TimeProvider _time;
    private readonly IHttpContextAccessor _httpContextAccessor;
    private readonly SlidingWindowLog _local = new();
    private readonly string _redisPartition;
    private readonly RedisKey _redisWindowKey;
    private RedisSlidingWindowRateLimiter<string>? _shared;
    private long _lastUsedTicks;
    private long _successful;
    private long _failed;
    private long _lastRemaining;

    public GatewayPartitionLimiter(
        RateLimitPartitionKey key,
        string policyName,
        RateLimitingOptions options,
        RedisConnection redis,
        RedisCircuitBreaker breaker,
        TimeProvider time,
        IHttpContextAccessor httpContextAccessor)
    {
        _key = key;
        _policyName = policyName;
        _options = options;
        _redis = redis;
        _breaker = breaker;
        _time = time;
        _httpContextAccessor = httpContextAccessor;
        _redisPartition = "gateway:" + key.Id;
        _redisWindowKey = new RedisKey("rl:sw:{" + _redisPartition + "}");
        _lastRemaining = key.PermitLimit;
        _lastUsedTicks = time.GetUtcNow().UtcTicks;
    }

    public override TimeSpan? IdleDuration
    {
        get
        {
            var now = _time.GetUtcNow();
            // Keep this limiter (and its in-memory counts) while any counted request is still inside the window.
            return _local.IsEmpty(now, _options.Window)
                ? TimeSpan.FromTicks(Math.Max(0, now.UtcTicks - Interlocked.Read(ref _lastUsedTicks)))
                : null;
        }
    }

    public override RateLimiterStatistics? GetStatistics() => new()
    {
        CurrentAvailablePermits = Interlocked.Read(ref _lastRemaining),
        CurrentQueuedCount = 0,
        TotalSuccessfulLeases = Interlocked.Read(ref _successful),
        TotalFailedLeases = Interlocked.Read(ref _failed),
    };

    // The middleware tries this synchronous fast path first and, when it is not acquired, AcquireAsync. A decision
    // may need Redis, so it is never made here (no blocking on I/O, no request counted or announced twice).
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => UndecidedLease.Instance;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(permitCount, 1);
        var decision = await DecideAsync(cancellationToken);

        Interlocked.Increment(ref decision.IsPermitted ? ref _successful : ref _failed);
        Interlocked.Exchange(ref _lastRemaining, decision.Remaining);
        Interlocked.Exchange(ref _lastUsedTicks, _time.GetUtcNow().UtcTicks);
        if (_httpContextAccessor.HttpContext is { } httpContext)
        {
            // OnStarting: after YARP has copied an upstream's headers, so ours are added to theirs, not overwritten.
            httpContext.Response.OnStarting(static state =>
            {
                var (response, policyName, decision) = ((HttpResponse, string, RateLimitDecision))state;
                RateLimitHeaders.Apply(response.Headers, policyName, decision);
                return Task.CompletedTask;
            }, (httpContext.Response, _policyName, decision));
        }
        return new DecisionLease(decision);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _shared?.Dispose();
        }
        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        if (_shared is not null)
        {
            await _shared.DisposeAsync();
        }
        await base.DisposeAsyncCore();
    }

    private async ValueTask<RateLimitDecision> DecideAsync(CancellationToken cancellationToken)
    {
        if (_redis.IsConfigured)
        {
            if (_breaker.TryEnter() && await TryRedisAsync(cancellationToken) is { } shared)
            {
                return shared;
            }
            if (_options.RedisFailureMode == RedisFailureMode.FailClosed)
            {
                return RateLimitDecision.Unavailable(_key.PermitLimit, _options.Window, _breaker.RetryAfter);
            }
        }
        return _local.TryAcquire(_time.GetUtcNow(), _key.PermitLimit, _options.Window);
    }

    private async ValueTask<RateLimitDecision?> TryRedisAsync(CancellationToken cancellationToken)
    {
        try
        {
            var multiplexer = _redis.Multiplexer;
            if (multiplexer is null || !multiplexer.IsConnected)
            {
                // Disconnected: a command would wait in the backlog for the whole timeout. Don't.
                _breaker.RecordFailure(null);
                return null;
            }
            var shared = _shared ?? CreateShared(multiplexer);
            bool permitted;
            using (var lease = await shared.AcquireAsync(1, cancellationToken))
            {
                permitted = lease.IsAcquired;
            }
            var window = (RedisResult[]?)await multiplexer.GetDatabase().ScriptEvaluateAsync(WindowScript, new { key = _redisWindowKey });
            _breaker.RecordSuccess();

            var count = window is { Length: 2 } ? (long)window[0] : 0;
            double? oldest = window is { Length: 2 } && double.TryParse((string?)window[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var score)
                ? score
                : null;
            return new RateLimitDecision(
                permitted ? RateLimitOutcome.Permitted : RateLimitOutcome.Limited,
                RateLimitStore.Redis,
                _key.PermitLimit,
                _options.Window,
                (int)Math.Clamp(_key.PermitLimit - count, 0, _key.PermitLimit),
                ResetAfter(oldest, _options.Window, _time.GetUtcNow()));
        }
#pragma warning disable CA1031 // any Redis failure (connection, timeout, script, reply shape) means "decide without Redis"
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            _breaker.RecordFailure(exception);
            return null;
        }
    }

    /// <summary>
    /// Time until the oldest counted request (its score in Unix seconds) leaves the window; the whole window when
    /// nothing is counted.
    /// </summary>
    internal static TimeSpan ResetAfter(double? oldestUnixSeconds, TimeSpan window, DateTimeOffset now)
    {
        if (oldestUnixSeconds is not { } oldest)
        {
            return window;
        }
        var frees = DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(oldest) + window;
        var remaining = frees - now;
        return remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining > window ? window : remaining;
    }

    private RedisSlidingWindowRateLimiter<string> CreateShared(IConnectionMultiplexer multiplexer)
    {
        var created = new RedisSlidingWindowRateLimiter<string>(_redisPartition, new RedisSlidingWindowRateLimiterOptions
        {
            PermitLimit = _key.PermitLimit,
            Window = _options.Window,
            ConnectionMultiplexerFactory = () => multiplexer,
        });
        if (Interlocked.CompareExchange(ref _shared, created, null) is { } existing)
        {
            created.Dispose();
            return existing;
        }
        return created;
    }

    private sealed class UndecidedLease : RateLimitLease
    {
        public static readonly UndecidedLease Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    private sealed class DecisionLease(RateLimitDecision decision) : RateLimitLease
    {
        private static readonly string[] Names = [RateLimitDecision.MetadataName.Name, MetadataName.RetryAfter.Name];

        public override bool IsAcquired => decision.IsPermitted;

        public override IEnumerable<string> MetadataNames => Names;

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (metadataName == RateLimitDecision.MetadataName.Name)
            {
                metadata = decision;
                return true;
            }
            if (metadataName == MetadataName.RetryAfter.Name && !decision.IsPermitted)
            {
                metadata = TimeSpan.FromSeconds(RateLimitHeaders.RetryAfterSeconds(decision.ResetAfter));
                return true;
            }
            metadata = null;
            return false;
        }
    }
}
