using System.Net;

namespace ModelGateway.Telemetry;

/// <summary>
/// One rate-limit refusal. <see cref="ClientAddress"/> is set for a request without a key (counted per address);
/// <see cref="Reason"/> is <c>limited</c> or <c>store_unavailable</c>; <see cref="Endpoint"/> the route's name.
/// </summary>
internal sealed record RateLimitAudit(
    AuditCaller Caller,
    IPAddress? ClientAddress,
    int StatusCode,
    string Code,
    string Reason,
    int Limit,
    TimeSpan Window,
    string? Endpoint);
