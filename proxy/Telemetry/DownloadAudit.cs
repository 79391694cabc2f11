namespace ModelGateway.Telemetry;

/// <summary>
/// One download: who, through which route (<c>/api/assets/download</c> or a forwarding route's id), from which
/// source and host (never the URL's path or query); <paramref name="Cache"/> is the library's answer for a file with a
/// published SHA-256 (<c>HIT</c>: from the store, <c>MISS</c>: from upstream), null for other files.
/// </summary>
internal sealed record DownloadAudit(AuditCaller Caller, string Route, string? Source, string Host, long? ExpectedBytes, bool Ranged,
    string? Cache = null);
