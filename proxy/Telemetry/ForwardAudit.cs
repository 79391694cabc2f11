namespace ModelGateway.Telemetry;

/// <summary>
/// One request of a route that enforces policy, not a file download: who, which route and source, the method, and the
/// allow-list entry or path shape it matched (<c>api/models/{repo}/tree</c>, <c>resolve-cache</c>) — never the path.
/// </summary>
internal sealed record ForwardAudit(AuditCaller Caller, string Route, string Source, string Method, string Endpoint);
