using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using ModelGateway.Primitives;

namespace ModelGateway.Assets;

/// <summary>
/// Bounds the probes running at once (<see cref="ProbeOptions"/>): per API key, then in total. A refusal is immediate
/// (no queue) and says to retry in a second: probes end within <c>Egress:TimeoutSeconds</c>, most far sooner.
/// </summary>
internal sealed partial class ProbeLimiter : IDisposable
{
    /// <summary>The <c>Retry-After</c> of a refusal.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly PartitionedRateLimiter<string> _perKey;
    private readonly ConcurrencyLimiter _total;
    private readonly ILogger<ProbeLimiter> _logger;

    public ProbeLimiter(IOptions<ProbeOptions> options, ILogger<ProbeLimiter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        _logger = logger;
        _perKey = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetConcurrencyLimiter(key,
            _ => new ConcurrencyLimiterOptions { PermitLimit = settings.MaxConcurrentPerKey, QueueLimit = 0 }));
        _total = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = settings.MaxConcurrent, QueueLimit = 0 });
    }

    /// <summary>A permit for one probe of <paramref name="key"/>'s, released when disposed.</summary>
    /// <exception cref="GatewayException">429 <c>RATE_LIMITED</c> (the key's probes) or 503 <c>SERVICE_UNAVAILABLE</c> (all probes), with Retry-After.</exception>
    public IDisposable Acquire(string key)
    {
        var perKey = _perKey.AttemptAcquire(key);
        if (!perKey.IsAcquired)
        {
            perKey.Dispose();
            Log.KeyBusy(_logger, key);
            throw new GatewayException(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited,
                "This API key has as many uncached lookups running as it may; retry in a moment.") { RetryAfter = RetryAfter };
        }
        var total = _total.AttemptAcquire();
        if (!total.IsAcquired)
        {
            total.Dispose();
            perKey.Dispose();
            Log.AllBusy(_logger);
            throw new GatewayException(StatusCodes.Status503ServiceUnavailable, ErrorCodes.ServiceUnavailable,
                "The gateway has as many uncached lookups running as it may; retry in a moment.") { RetryAfter = RetryAfter };
        }
        return new Permit(perKey, total);
    }

    public void Dispose()
    {
        _perKey.Dispose();
        _total.Dispose();
    }

    private sealed class Permit(RateLimitLease perKey, RateLimitLease total) : IDisposable
    {
        public void Dispose()
        {
            total.Dispose();
            perKey.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Key {Key} has as many probes running as Probes:MaxConcurrentPerKey allows; answering 429.", EventName = "ProbeKeyBusy")]
        public static partial void KeyBusy(ILogger logger, string key);

        [LoggerMessage(2, LogLevel.Warning, "As many probes are running as Probes:MaxConcurrent allows; answering 503.", EventName = "ProbesAllBusy")]
        public static partial void AllBusy(ILogger logger);
    }
}
