using System.Diagnostics;

namespace ModelGateway.Telemetry;

/// <summary>
/// One audit event as the recent-decisions store keeps it: the fields of its audit line (never a key, a token, a query
/// string or a full URL). <see cref="Outcome"/> is one of <see cref="AuditOutcomes"/>; <see cref="Codes"/> the error codes
/// (the first is the reason), <see cref="Time"/> set by the store.
/// </summary>
internal sealed record AuditEvent
{
    public DateTimeOffset Time { get; init; }

    /// <summary><c>metadata</c>, <c>download</c> or <c>rate_limit</c>.</summary>
    public required string Kind { get; init; }

    public required string KeyName { get; init; }

    public string? Profile { get; init; }

    public required string Outcome { get; init; }

    /// <summary>The answer's status; absent for a transfer cut off after its head.</summary>
    public int? StatusCode { get; init; }

    public IReadOnlyList<string> Codes { get; init; } = [];

    public IReadOnlyList<string> Warnings { get; init; } = [];

    public string? Source { get; init; }

    /// <summary>The URL's host only.</summary>
    public string? Host { get; init; }

    /// <summary>The endpoint or forwarding route that answered.</summary>
    public string? Route { get; init; }

    /// <summary>For metadata: HIT, MISS or STALE; for a download of a file with a published SHA-256, HIT (from the library's store) or MISS.</summary>
    public string? CacheStatus { get; init; }

    public long? Bytes { get; init; }

    public long DurationMs { get; init; }

    /// <summary>The error's message (messages name hosts, never secrets).</summary>
    public string? Detail { get; init; }

    public string? TraceId { get; init; }

    public static AuditEvent Metadata(MetadataAudit answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return new AuditEvent
        {
            Kind = "metadata",
            KeyName = answer.Caller.KeyName,
            Profile = answer.Caller.Profile,
            Outcome = answer.StatusCode != 200 ? AuditOutcomes.Failed
                : answer.Outcome == MetadataAudit.Valid ? AuditOutcomes.Allowed : AuditOutcomes.Refused,
            StatusCode = answer.StatusCode,
            Codes = answer.StatusCode == 200 ? answer.ErrorCodes : [answer.Outcome],
            Warnings = answer.WarningCodes,
            Source = answer.Source,
            Host = answer.Host,
            Route = "/api/assets/remote-metadata",
            CacheStatus = answer.CacheStatus,
            DurationMs = Milliseconds(answer.Duration),
            Detail = answer.Detail,
            TraceId = CurrentTraceId(),
        };
    }

    public static AuditEvent RateLimited(RateLimitAudit refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new AuditEvent
        {
            Kind = "rate_limit",
            KeyName = refusal.Caller.KeyName,
            Profile = refusal.Caller.Profile,
            Outcome = AuditOutcomes.Refused,
            StatusCode = refusal.StatusCode,
            Codes = [refusal.Code],
            Route = refusal.Endpoint,
            Detail = $"{refusal.Reason}: limit {refusal.Limit} per {(int)refusal.Window.TotalSeconds} s",
            TraceId = CurrentTraceId(),
        };
    }

    /// <summary>Refused before any byte: 403 is the policy's refusal, anything else a failure.</summary>
    public static AuditEvent DownloadRefused(DownloadAudit download, int statusCode, string code, string? detail, TimeSpan duration) =>
        Download(download, statusCode == 403 || statusCode == 429 ? AuditOutcomes.Refused : AuditOutcomes.Failed, statusCode, [code], null,
            duration, detail);

    public static AuditEvent DownloadCompleted(DownloadAudit download, int statusCode, long bytes, TimeSpan duration) =>
        Download(download, AuditOutcomes.Allowed, statusCode, [], bytes, duration, null);

    /// <summary>Cut off after its first byte; the code is the abort's reason.</summary>
    public static AuditEvent DownloadAborted(DownloadAudit download, string reason, long bytes, TimeSpan duration) =>
        Download(download, AuditOutcomes.Failed, null, [reason], bytes, duration, null);

    private static AuditEvent Download(DownloadAudit download, string outcome, int? statusCode, IReadOnlyList<string> codes, long? bytes,
        TimeSpan duration, string? detail)
    {
        ArgumentNullException.ThrowIfNull(download);
        return new AuditEvent
        {
            Kind = "download",
            KeyName = download.Caller.KeyName,
            Profile = download.Caller.Profile,
            Outcome = outcome,
            StatusCode = statusCode,
            Codes = codes,
            Source = download.Source,
            Host = download.Host,
            Route = download.Route,
            CacheStatus = download.Cache,
            Bytes = bytes,
            DurationMs = Milliseconds(duration),
            Detail = detail,
            TraceId = CurrentTraceId(),
        };
    }

    private static long Milliseconds(TimeSpan duration) => (long)Math.Round(duration.TotalMilliseconds);

    private static string? CurrentTraceId() => Activity.Current is { } activity ? activity.TraceId.ToHexString() : null;
}

/// <summary>What became of a request, as the decisions list filters it.</summary>
internal static class AuditOutcomes
{
    /// <summary>The policy allowed it: a valid verdict, a download that completed.</summary>
    public const string Allowed = "allowed";

    /// <summary>The policy or the rate limit refused it: an invalid verdict, a 403, a 429.</summary>
    public const string Refused = "refused";

    /// <summary>It did not get that far: a bad URL, what the source did, an aborted transfer.</summary>
    public const string Failed = "failed";

    public static readonly IReadOnlyList<string> All = [Allowed, Refused, Failed];
}

/// <summary>Where <see cref="GatewayTelemetry"/> also puts each audit event (the recent-decisions store).</summary>
internal interface IAuditEventSink
{
    /// <summary>Takes the event without waiting for any I/O.</summary>
    void Record(AuditEvent auditEvent);
}
