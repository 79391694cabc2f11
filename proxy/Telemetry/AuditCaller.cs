namespace ModelGateway.Telemetry;

/// <summary>Who made a request: the API key's configured name (never the key) and its policy profile.</summary>
internal readonly record struct AuditCaller(string KeyName, string? Profile)
{
    /// <summary>A request without a key, on a route that allows that.</summary>
    public static AuditCaller Anonymous { get; } = new("anonymous", null);
}
