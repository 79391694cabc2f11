using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.Telemetry;

namespace ModelGateway.UnitTests.Telemetry;

/// <summary>
/// One call per decision: the right instruments move with bounded labels, and one audit event carries the fields —
/// the download calls the download endpoint and the enforcing routes make included.
/// </summary>
public sealed class GatewayTelemetryTests : IDisposable
{
    private static readonly AuditCaller TeamA = new("team-a", "strict");
    private static readonly DownloadAudit Download = new(TeamA, "/api/assets/download", "huggingface", "huggingface.co", 4096, Ranged: false);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeLogCollector _logs = new();
    private readonly GatewayMetricsOptions _metricsOptions = new();
    private readonly GatewayTelemetry _telemetry;

    public GatewayTelemetryTests()
    {
        var loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(_logs)));
        _telemetry = new GatewayTelemetry(new GatewayMetrics(MeterFactory, Options.Create(_metricsOptions)), _time, loggers);
    }

    private IMeterFactory MeterFactory => _services.GetRequiredService<IMeterFactory>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void DownloadStartedThenCompleted_CountsBytesAndDurationByKeyAndAuditsBoth()
    {
        using var started = Collect<long>("modelgateway.downloads.started");
        using var completed = Collect<long>("modelgateway.downloads.completed");
        using var bytes = Collect<long>("modelgateway.downloads.bytes");
        using var duration = Collect<double>("modelgateway.downloads.duration");

        _telemetry.DownloadStarted(Download);
        _telemetry.DownloadCompleted(Download, 200, 4096, TimeSpan.FromMilliseconds(1500));

        Assert.Equal("team-a", Assert.Single(started.GetMeasurementSnapshot()).Tags["key"]);
        Assert.Equal(1, completed.GetMeasurementSnapshot().EvaluateAsCounter());
        var sent = Assert.Single(bytes.GetMeasurementSnapshot());
        Assert.Equal((4096L, "team-a"), (sent.Value, sent.Tags["key"]));
        var time = Assert.Single(duration.GetMeasurementSnapshot());
        Assert.Equal((1.5, "completed"), (time.Value, time.Tags["outcome"]));
        Assert.Equal(["DownloadStarted", "DownloadCompleted"], Audit().Select(r => r.Id.Name));
        var start = Fields(Audit()[0]);
        Assert.Equal(("team-a", "strict", "/api/assets/download", "huggingface", "huggingface.co", "4096", "False"),
            (start["KeyName"], start["Profile"], start["Route"], start["Source"], start["Host"], start["ExpectedBytes"], start["Ranged"]));
        var end = Fields(Audit()[1]);
        Assert.Equal(("200", "4096", "1500"), (end["StatusCode"], end["Bytes"], end["DurationMs"]));
    }

    [Fact]
    public void DownloadRefused_CountedByKeyAndCodeAndAuditedWithTheDetail()
    {
        using var refusals = Collect<long>("modelgateway.downloads.refusals");

        _telemetry.DownloadRefused(Download, 403, "FORMAT_NOT_ALLOWED", "File format \"PickleTensor\" is not allowed.", TimeSpan.FromMilliseconds(12));

        var refusal = Assert.Single(refusals.GetMeasurementSnapshot());
        Assert.Equal(("team-a", "FORMAT_NOT_ALLOWED"), (refusal.Tags["key"], refusal.Tags["code"]));
        var fields = Fields(Assert.Single(Audit()));
        Assert.Equal(("403", "FORMAT_NOT_ALLOWED", "File format \"PickleTensor\" is not allowed.", "12"),
            (fields["StatusCode"], fields["Code"], fields["Detail"], fields["DurationMs"]));
    }

    [Theory]
    [InlineData(DownloadAbortReasons.IntegrityMismatch, 1)]
    [InlineData(DownloadAbortReasons.IdleTimeout, 0)]
    [InlineData(DownloadAbortReasons.ClientDisconnected, 0)]
    [InlineData(DownloadAbortReasons.UpstreamFailed, 0)]
    public void DownloadAborted_IntegrityAbortsCountedApartBytesStillCounted(string reason, int integrityAborts)
    {
        using var aborts = Collect<long>("modelgateway.downloads.aborts");
        using var integrity = Collect<long>("modelgateway.downloads.integrity_aborts");
        using var bytes = Collect<long>("modelgateway.downloads.bytes");

        _telemetry.DownloadAborted(Download, reason, 1024, TimeSpan.FromSeconds(3));

        Assert.Equal(reason, Assert.Single(aborts.GetMeasurementSnapshot()).Tags["reason"]);
        Assert.Equal(integrityAborts, integrity.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1024, bytes.GetMeasurementSnapshot().EvaluateAsCounter());
        var audit = Assert.Single(Audit());
        Assert.Equal(LogLevel.Warning, audit.Level);
        Assert.Equal((reason, "1024"), (Fields(audit)["Reason"], Fields(audit)["Bytes"]));
    }

    [Fact]
    public void MetadataAnswered_InvalidVerdict_AnswerAndEachVerdictCodeCounted()
    {
        using var answers = Collect<long>("modelgateway.metadata.answers");
        using var verdicts = Collect<long>("modelgateway.verdicts");

        _telemetry.MetadataAnswered(new MetadataAudit(TeamA, "civitai", "civitai.com", 200, MetadataAudit.Invalid,
            ["FORMAT_NOT_ALLOWED", "FILE_TOO_LARGE"], ["SCAN_PENDING"], "HIT", null, TimeSpan.FromMilliseconds(4)));

        var answer = Assert.Single(answers.GetMeasurementSnapshot());
        Assert.Equal(("civitai", "invalid", "HIT", 200),
            ((string)answer.Tags["source"]!, (string)answer.Tags["outcome"]!, (string)answer.Tags["cache_status"]!, (int)answer.Tags["status_code"]!));
        Assert.Equal(["FILE_TOO_LARGE error", "FORMAT_NOT_ALLOWED error", "SCAN_PENDING warning"],
            verdicts.GetMeasurementSnapshot().Select(m => $"{m.Tags["code"]} {m.Tags["kind"]}").Order(StringComparer.Ordinal));
        var fields = Fields(Assert.Single(Audit()));
        Assert.Equal(("FORMAT_NOT_ALLOWED,FILE_TOO_LARGE", "SCAN_PENDING", "civitai.com"), (fields["ErrorCodes"], fields["WarningCodes"], fields["Host"]));
    }

    [Fact]
    public void MetadataAnswered_InsideAnActivity_TraceIdIsTheActivitys()
    {
        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();

        _telemetry.MetadataAnswered(new MetadataAudit(TeamA, "http", "example.com", 422, "NETWORK_TIMEOUT", [], [], "MISS",
            "The source did not answer within 10 seconds.", TimeSpan.FromSeconds(10)));

        var fields = Fields(Assert.Single(Audit()));
        Assert.Equal(activity.TraceId.ToHexString(), fields["TraceId"]);
        Assert.Equal(("422", "NETWORK_TIMEOUT"), (fields["StatusCode"], fields["Code"]));
    }

    [Fact]
    public void RateLimited_Flood_OneLinePerPartitionPerIntervalWithTheHeldBackCountEveryRefusalCounted()
    {
        using var refusals = Collect<long>("modelgateway.ratelimit.refusals");
        var refusal = new RateLimitAudit(TeamA, null, 429, "RATE_LIMITED", "limited", 60, TimeSpan.FromSeconds(60), "GetRemoteAssetMetadata");

        for (var i = 0; i < 50; i++)
        {
            _telemetry.RateLimited(refusal);
        }
        _telemetry.RateLimited(refusal with { Caller = new AuditCaller("team-b", null) });
        _time.Advance(AuditSampler.Interval);
        _telemetry.RateLimited(refusal);

        Assert.Equal(52, refusals.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(["team-a 0", "team-b 0", "team-a 49"], Audit().Select(r => $"{Fields(r)["KeyName"]} {Fields(r)["HeldBack"]}"));
    }

    [Fact]
    public void Unauthenticated_WrongKeyCountedNotAuditedMissingKeyAuditedPerAddress()
    {
        using var failures = Collect<long>("modelgateway.auth.failures");

        _telemetry.Unauthenticated(IPAddress.Parse("192.0.2.1"), keyPresented: true);
        _telemetry.Unauthenticated(IPAddress.Parse("::ffff:192.0.2.2"), keyPresented: false);
        _telemetry.Unauthenticated(IPAddress.Parse("192.0.2.2"), keyPresented: false);

        Assert.Equal(["missing_key", "missing_key", "unknown_key"], failures.GetMeasurementSnapshot().Select(m => (string)m.Tags["reason"]!).Order(StringComparer.Ordinal));
        Assert.Equal("192.0.2.2", Fields(Assert.Single(Audit()))["ClientAddress"]);
    }

    [Fact]
    public void RedisGauge_ReadsTheHostsSignal_AbsentWithoutRedis()
    {
        using var gauge = Collect<int>("modelgateway.redis.available");

        gauge.RecordObservableInstruments();
        _metricsOptions.RedisAvailable = () => false;
        gauge.RecordObservableInstruments();
        _metricsOptions.RedisAvailable = () => true;
        gauge.RecordObservableInstruments();

        Assert.Equal([0, 1], gauge.GetMeasurementSnapshot().Select(m => m.Value));
    }

    private MetricCollector<T> Collect<T>(string instrument)
        where T : struct => new(MeterFactory, GatewayMetrics.MeterName, instrument);

    private List<FakeLogRecord> Audit() => _logs.GetSnapshot().Where(r => r.Category == GatewayTelemetry.AuditCategory).ToList();

    private static Dictionary<string, string?> Fields(FakeLogRecord record) => record.StructuredState!.ToDictionary(s => s.Key, s => s.Value);
}
