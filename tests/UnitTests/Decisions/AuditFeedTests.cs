using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.Telemetry;

namespace ModelGateway.UnitTests.Decisions;

/// <summary>
/// Every audited decision of <see cref="GatewayTelemetry"/> also goes to the recent-decisions sink — even with the audit
/// log off — except a download's start (its end says more) and a request without a key (no key to name).
/// </summary>
public sealed class AuditFeedTests : IDisposable
{
    private static readonly AuditCaller TeamA = new("team-a", "strict");
    private static readonly DownloadAudit Download = new(TeamA, "/api/assets/download", "civitai", "civitai.com", 10, Ranged: false, Cache: "HIT");
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly Sink _sink = new();
    private readonly GatewayTelemetry _telemetry;

    public AuditFeedTests()
    {
        var metrics = new GatewayMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), Options.Create(new GatewayMetricsOptions()));
        _telemetry = new GatewayTelemetry(metrics, new FakeTimeProvider(), NullLoggerFactory.Instance, _sink);
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public void EachDecision_OneEventWithItsKindAndOutcome()
    {
        _telemetry.MetadataAnswered(new MetadataAudit(TeamA, "civitai", "civitai.com", 200, MetadataAudit.Invalid, ["FORMAT_NOT_ALLOWED"], [], "HIT",
            null, TimeSpan.FromMilliseconds(3)));
        _telemetry.DownloadStarted(Download);
        _telemetry.DownloadCompleted(Download, 200, 10, TimeSpan.FromMilliseconds(7));
        _telemetry.DownloadRefused(Download, 403, "FORMAT_NOT_ALLOWED", "not allowed", TimeSpan.Zero);
        _telemetry.DownloadAborted(Download, "idle_timeout", 4, TimeSpan.FromSeconds(30));
        _telemetry.RateLimited(new RateLimitAudit(TeamA, null, 429, "RATE_LIMITED", "limited", 60, TimeSpan.FromMinutes(1), "GetEffectivePolicy"));
        _telemetry.Unauthenticated(IPAddress.Loopback, keyPresented: false);

        Assert.Equal(
            [("metadata", "refused"), ("download", "allowed"), ("download", "refused"), ("download", "failed"), ("rate_limit", "refused")],
            _sink.Events.Select(e => (e.Kind, e.Outcome)));
        Assert.All(_sink.Events, e => Assert.Equal(("team-a", "strict"), (e.KeyName, e.Profile)));
        Assert.Equal("HIT", _sink.Events[0].CacheStatus);
        Assert.Equal((10L, "HIT"), (_sink.Events[1].Bytes, _sink.Events[1].CacheStatus));
        Assert.Equal("limited: limit 60 per 60 s", _sink.Events[4].Detail);
    }

    private sealed class Sink : IAuditEventSink
    {
        public List<AuditEvent> Events { get; } = [];

        public void Record(AuditEvent auditEvent) => Events.Add(auditEvent);
    }
}
