using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace ModelGateway.Telemetry;

/// <summary>
/// The <c>ModelGateway</c> meter: what the gateway decided, counted with labels whose values are bounded — source
/// names, error and verdict codes, cache statuses, configured API key names (<c>anonymous</c> for requests without a
/// key). Never a host or an address: those come from user URLs and clients without bound, and are in the audit log.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "ModelGateway";

    private static readonly double[] SecondsBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

    private readonly Counter<long> _metadataAnswers;
    private readonly Counter<long> _verdicts;
    private readonly Histogram<double> _probeDuration;
    private readonly Counter<long> _rateLimitRefusals;
    private readonly Counter<long> _authenticationFailures;
    private readonly Counter<long> _downloadsStarted;
    private readonly Counter<long> _downloadsCompleted;
    private readonly Counter<long> _downloadRefusals;
    private readonly Counter<long> _downloadAborts;
    private readonly Counter<long> _downloadIntegrityAborts;
    private readonly Counter<long> _downloadBytes;
    private readonly Histogram<double> _downloadDuration;
    private readonly Counter<long> _configurationReloads;
    private readonly IOptions<GatewayMetricsOptions> _options;

    public GatewayMetrics(IMeterFactory meterFactory, IOptions<GatewayMetricsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _options = options;
        var meter = meterFactory.Create(MeterName);
        var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets };
        _metadataAnswers = meter.CreateCounter<long>("modelgateway.metadata.answers", "{answer}",
            "Remote-metadata answers, by source, outcome (valid, invalid or the error code), cache status and HTTP status.");
        _verdicts = meter.CreateCounter<long>("modelgateway.verdicts", "{code}",
            "Verdict codes given in remote-metadata answers, by code and kind (error or warning).");
        _probeDuration = meter.CreateHistogram("modelgateway.probe.duration", "s",
            "Time a source probe took (cache misses only), by source and outcome (ok or the error code).", advice: seconds);
        _rateLimitRefusals = meter.CreateCounter<long>("modelgateway.ratelimit.refusals", "{request}",
            "Requests refused by the rate limiter, by key name and reason (limited, store_unavailable, failed_auth).");
        _authenticationFailures = meter.CreateCounter<long>("modelgateway.auth.failures", "{request}",
            "Requests answered 401, by reason (missing_key, unknown_key).");
        _downloadsStarted = meter.CreateCounter<long>("modelgateway.downloads.started", "{download}",
            "Downloads whose first byte went to the client, by key name.");
        _downloadsCompleted = meter.CreateCounter<long>("modelgateway.downloads.completed", "{download}",
            "Downloads that ended cleanly, by key name.");
        _downloadRefusals = meter.CreateCounter<long>("modelgateway.downloads.refusals", "{download}",
            "Downloads refused before any byte was sent, by key name and code.");
        _downloadAborts = meter.CreateCounter<long>("modelgateway.downloads.aborts", "{download}",
            "Downloads cut off after their first byte, by key name and reason.");
        _downloadIntegrityAborts = meter.CreateCounter<long>("modelgateway.downloads.integrity_aborts", "{download}",
            "Downloads cut off because the bytes did not match the source's published SHA-256, by key name.");
        _downloadBytes = meter.CreateCounter<long>("modelgateway.downloads.bytes", "By",
            "Bytes of downloads sent to clients, by key name.");
        _downloadDuration = meter.CreateHistogram("modelgateway.downloads.duration", "s",
            "Time a download streamed, by key name and outcome (completed or the abort reason).", advice: seconds);
        _configurationReloads = meter.CreateCounter<long>("modelgateway.config.reloads", "{reload}",
            "Edits of the configuration files, by outcome (applied or rejected).");
        meter.CreateObservableGauge("modelgateway.redis.available", ObserveRedis, "{state}",
            "1 while Redis can be used, 0 during an outage (the shared circuit is open); absent without Redis.");
    }

    public void MetadataAnswered(string source, string outcome, string cacheStatus, int statusCode, IEnumerable<string> errorCodes,
        IEnumerable<string> warningCodes)
    {
        ArgumentNullException.ThrowIfNull(errorCodes);
        ArgumentNullException.ThrowIfNull(warningCodes);
        _metadataAnswers.Add(1, new TagList
        {
            { "source", source },
            { "outcome", outcome },
            { "cache_status", cacheStatus },
            { "status_code", statusCode },
        });
        foreach (var code in errorCodes)
        {
            _verdicts.Add(1, new KeyValuePair<string, object?>("code", code), new KeyValuePair<string, object?>("kind", "error"));
        }
        foreach (var code in warningCodes)
        {
            _verdicts.Add(1, new KeyValuePair<string, object?>("code", code), new KeyValuePair<string, object?>("kind", "warning"));
        }
    }

    public void ProbeCompleted(string source, string outcome, TimeSpan duration) =>
        _probeDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("outcome", outcome));

    public void RateLimitRefused(string keyName, string reason) =>
        _rateLimitRefusals.Add(1, new KeyValuePair<string, object?>("key", keyName), new KeyValuePair<string, object?>("reason", reason));

    public void AuthenticationFailed(string reason) =>
        _authenticationFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void DownloadStarted(string keyName) => _downloadsStarted.Add(1, Key(keyName));

    public void DownloadRefused(string keyName, string code) =>
        _downloadRefusals.Add(1, Key(keyName), new KeyValuePair<string, object?>("code", code));

    public void DownloadCompleted(string keyName, long bytes, TimeSpan duration)
    {
        _downloadsCompleted.Add(1, Key(keyName));
        _downloadBytes.Add(bytes, Key(keyName));
        _downloadDuration.Record(duration.TotalSeconds, Key(keyName), new KeyValuePair<string, object?>("outcome", "completed"));
    }

    public void DownloadAborted(string keyName, string reason, long bytes, TimeSpan duration)
    {
        _downloadAborts.Add(1, Key(keyName), new KeyValuePair<string, object?>("reason", reason));
        if (reason is DownloadAbortReasons.IntegrityMismatch or DownloadAbortReasons.LengthMismatch)
        {
            _downloadIntegrityAborts.Add(1, Key(keyName));
        }
        _downloadBytes.Add(bytes, Key(keyName));
        _downloadDuration.Record(duration.TotalSeconds, Key(keyName), new KeyValuePair<string, object?>("outcome", reason));
    }

    public void ConfigurationReloaded(bool applied) =>
        _configurationReloads.Add(1, new KeyValuePair<string, object?>("outcome", applied ? "applied" : "rejected"));

    private IEnumerable<Measurement<int>> ObserveRedis()
    {
        if (_options.Value.RedisAvailable?.Invoke() is { } available)
        {
            yield return new Measurement<int>(available ? 1 : 0);
        }
    }

    private static KeyValuePair<string, object?> Key(string keyName) => new("key", keyName);
}
