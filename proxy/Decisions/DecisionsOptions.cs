namespace ModelGateway.Decisions;

/// <summary><c>Decisions</c>: how many recent audit events the admin read (<c>GET /api/admin/decisions</c>) can see.</summary>
internal sealed class DecisionsOptions
{
    public const string SectionName = "Decisions";

    public const int MinEvents = 100;

    public const int MaxEventsLimit = 1_000_000;

    /// <summary>
    /// Events kept: in the Redis stream shared by the replicas (trimmed approximately, as Redis does), and in each
    /// replica's own memory (exactly) for when Redis is not configured or unreachable.
    /// </summary>
    public int MaxEvents { get; set; } = 10_000;
}
