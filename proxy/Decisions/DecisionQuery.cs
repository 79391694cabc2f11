using ModelGateway.Telemetry;

namespace ModelGateway.Decisions;

/// <summary>
/// Which recent events an admin asked for: one key's (by its configured name, case-insensitive), one outcome
/// (<see cref="AuditOutcomes"/>), at most <see cref="Limit"/>, newest first.
/// </summary>
internal sealed record DecisionQuery(string? KeyName, string? Outcome, int Limit)
{
    public const int DefaultLimit = 100;

    public const int MaxLimit = 1000;

    public bool Matches(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        return (KeyName is null || string.Equals(auditEvent.KeyName, KeyName, StringComparison.OrdinalIgnoreCase))
            && (Outcome is null || string.Equals(auditEvent.Outcome, Outcome, StringComparison.Ordinal));
    }

    /// <summary>The query from <c>key</c>, <c>outcome</c> and <c>limit</c>; null with <paramref name="problem"/> when one is out of range.</summary>
    public static DecisionQuery? Parse(string? key, string? outcome, string? limit, out string? problem)
    {
        problem = null;
        var count = DefaultLimit;
        if (!string.IsNullOrEmpty(limit)
            && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count)
                || count is < 1 or > MaxLimit))
        {
            problem = $"limit must be a whole number from 1 to {MaxLimit}.";
            return null;
        }
        if (!string.IsNullOrEmpty(outcome) && !AuditOutcomes.All.Contains(outcome, StringComparer.Ordinal))
        {
            problem = $"outcome must be one of {string.Join(", ", AuditOutcomes.All)}.";
            return null;
        }
        if (key is { Length: > 200 })
        {
            problem = "key must be a key's name of at most 200 characters.";
            return null;
        }
        return new DecisionQuery(string.IsNullOrEmpty(key) ? null : key, string.IsNullOrEmpty(outcome) ? null : outcome, count);
    }
}
