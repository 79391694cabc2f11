namespace ModelGateway.Telemetry;

/// <summary>
/// One remote-metadata answer. <see cref="Outcome"/> is <c>valid</c> or <c>invalid</c> for a 200, else the error code;
/// <see cref="Detail"/> the error's message (messages name hosts, never secrets). <see cref="Host"/> is the URL's host
/// only — never its path or query.
/// </summary>
internal sealed record MetadataAudit(
    AuditCaller Caller,
    string? Source,
    string? Host,
    int StatusCode,
    string Outcome,
    IReadOnlyList<string> ErrorCodes,
    IReadOnlyList<string> WarningCodes,
    string? CacheStatus,
    string? Detail,
    TimeSpan Duration)
{
    public const string Valid = "valid";
    public const string Invalid = "invalid";
}
