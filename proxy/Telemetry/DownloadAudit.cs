namespace ModelGateway.Telemetry;

/// <summary>
/// One download: who, through which route (<c>/api/assets/download</c> or a forwarding route's id), from which
/// source and host (never the URL's path or query).
/// </summary>
internal sealed record DownloadAudit(AuditCaller Caller, string Route, string? Source, string Host, long? ExpectedBytes, bool Ranged);
