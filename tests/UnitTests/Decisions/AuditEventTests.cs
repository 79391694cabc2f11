using ModelGateway.Telemetry;

namespace ModelGateway.UnitTests.Decisions;

/// <summary>How each audit event maps onto the decisions list's outcome and codes.</summary>
public sealed class AuditEventTests
{
    private static readonly AuditCaller Caller = new("team-a", "strict");

    private static MetadataAudit Metadata(int status, string outcome, params string[] errors) =>
        new(Caller, "civitai", "civitai.com", status, outcome, errors, ["SCAN_PENDING"], "MISS", status == 200 ? null : "detail",
            TimeSpan.FromMilliseconds(12.4));

    [Fact]
    public void Metadata_Valid_AllowedNoCodes()
    {
        var e = AuditEvent.Metadata(Metadata(200, MetadataAudit.Valid));

        Assert.Equal(("metadata", "allowed", 200, "MISS", 12L), (e.Kind, e.Outcome, e.StatusCode, e.CacheStatus, e.DurationMs));
        Assert.Empty(e.Codes);
        Assert.Equal(["SCAN_PENDING"], e.Warnings);
    }

    [Fact]
    public void Metadata_Invalid_RefusedWithTheVerdictsCodes()
    {
        var e = AuditEvent.Metadata(Metadata(200, MetadataAudit.Invalid, "FORMAT_NOT_ALLOWED", "FILE_TOO_LARGE"));

        Assert.Equal("refused", e.Outcome);
        Assert.Equal(["FORMAT_NOT_ALLOWED", "FILE_TOO_LARGE"], e.Codes);
    }

    [Fact]
    public void Metadata_Error_FailedWithItsCode()
    {
        var e = AuditEvent.Metadata(Metadata(422, "RESOURCE_NOT_FOUND"));

        Assert.Equal(("failed", 422, "detail"), (e.Outcome, e.StatusCode, e.Detail));
        Assert.Equal(["RESOURCE_NOT_FOUND"], e.Codes);
    }

    [Theory]
    [InlineData(403, "refused")]
    [InlineData(429, "refused")]
    [InlineData(422, "failed")]
    [InlineData(400, "failed")]
    public void DownloadRefused_PolicyAndLimitRefuse_OthersFail(int status, string outcome)
    {
        var download = new DownloadAudit(Caller, "/api/assets/download", "civitai", "civitai.com", 10, Ranged: false);

        Assert.Equal(outcome, AuditEvent.DownloadRefused(download, status, "X", null, TimeSpan.Zero).Outcome);
    }

    [Fact]
    public void DownloadAborted_FailedWithTheReasonNoStatus()
    {
        var download = new DownloadAudit(Caller, "civitai", "civitai", "civitai.com", 10, Ranged: false);

        var e = AuditEvent.DownloadAborted(download, "integrity_mismatch", 5, TimeSpan.FromSeconds(1));

        Assert.Equal(("download", "failed", (int?)null, 5L, 1000L), (e.Kind, e.Outcome, e.StatusCode, e.Bytes, e.DurationMs));
        Assert.Equal(["integrity_mismatch"], e.Codes);
    }
}
