using System.Globalization;

namespace ModelGateway.Policies;

/// <summary>
/// <c>Policy:PickleScan</c> (and <c>PolicyProfiles:&lt;name&gt;:PickleScan</c>): what the gateway's own pickle scan
/// verdicts yield. Every member is nullable so a profile overrides only the keys it names.
/// </summary>
public sealed class PickleScanOptions
{
    /// <summary>Judge pickles by the scan; absent = on wherever the policy allows <c>PickleTensor</c>.</summary>
    public bool? Enabled { get; set; }

    /// <summary>A <c>suspicious</c> verdict (globals off the allow-list, …): deny (default) or warn.</summary>
    public PolicyAction? Suspicious { get; set; }

    /// <summary>An <c>unscannable</c> verdict (over the caps, 7z/tar/gzip, not read): deny (default) or warn.</summary>
    public PolicyAction? Unscannable { get; set; }

    /// <summary>Treat the extension set (numpy, ParameterDict, Lightning's ModelCheckpoint) as allowed. Default false.</summary>
    public bool? AllowExtensions { get; set; }

    /// <summary>
    /// Let the source's own clean scan (CivitAI <c>Success</c>) turn a <c>suspicious</c> or <c>unscannable</c> verdict
    /// into a warning. Default false: the source's scan is evidence, never the decision. Never excuses <c>dangerous</c>.
    /// </summary>
    public bool? TrustSourceScan { get; set; }
}

/// <summary>The resolved <c>PickleScan</c> settings of one policy.</summary>
public sealed record PickleScanSettings
{
    /// <summary>Null: on wherever the policy allows <c>PickleTensor</c> (see <see cref="IsOn"/>).</summary>
    public bool? Enabled { get; init; }

    public PolicyAction Suspicious { get; init; } = PolicyAction.Deny;

    public PolicyAction Unscannable { get; init; } = PolicyAction.Deny;

    public bool AllowExtensions { get; init; }

    public bool TrustSourceScan { get; init; }

    /// <summary>Whether the scan judges files under <paramref name="policy"/>: as set, else wherever pickles are allowed.</summary>
    public bool IsOn(PolicySettings policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return Enabled ?? (policy.AllowedFormats.Count == 0 || policy.AllowedFormats.Contains(ModelFormat.PickleTensor));
    }

    /// <summary>The profile's keys where it sets them, else the base policy's, else the defaults.</summary>
    public static PickleScanSettings Resolve(PickleScanOptions? basePolicy, PickleScanOptions? profile)
    {
        return new PickleScanSettings
        {
            Enabled = profile?.Enabled ?? basePolicy?.Enabled,
            Suspicious = profile?.Suspicious ?? basePolicy?.Suspicious ?? PolicyAction.Deny,
            Unscannable = profile?.Unscannable ?? basePolicy?.Unscannable ?? PolicyAction.Deny,
            AllowExtensions = profile?.AllowExtensions ?? basePolicy?.AllowExtensions ?? false,
            TrustSourceScan = profile?.TrustSourceScan ?? basePolicy?.TrustSourceScan ?? false,
        };
    }

    internal static IEnumerable<string> Validate(string section, PickleScanOptions? options)
    {
        if (options is null)
        {
            yield break;
        }
        foreach (var (action, key) in new[] { (options.Suspicious, "Suspicious"), (options.Unscannable, "Unscannable") })
        {
            if (action is { } value && !Enum.IsDefined(value))
            {
                yield return $"{section}:PickleScan:{key}: must be Warn or Deny, not {(int)value}.";
            }
        }
    }
}

/// <summary>
/// Maps the gateway's own pickle scan (<see cref="AssetFacts.PickleReport"/>) to <c>UNSAFE_PICKLE_SCAN</c> errors and
/// warnings; the source's own scan (<see cref="AssetFacts.PickleScan"/>) is evidence in the message. Pure.
/// </summary>
public static class PickleScanCheck
{
    /// <summary>Whether the facts are of a pickle-bearing file: scanned, or claimed or found to be a pickle.</summary>
    public static bool AppliesTo(AssetFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.PickleReport is not null || facts.Format == ModelFormat.PickleTensor || facts.ClaimedFormat == ModelFormat.PickleTensor;
    }

    /// <returns>False when the scan is off for this policy or the file bears no pickle: the source's scan alone applies then.</returns>
    public static bool Evaluate(AssetFacts facts, PolicySettings policy, List<ValidationIssue> errors, List<ValidationIssue> warnings)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(warnings);
        var settings = policy.PickleScan;
        if (!settings.IsOn(policy) || !AppliesTo(facts))
        {
            return false;
        }
        var report = facts.PickleReport;
        var verdict = report?.VerdictFor(settings.AllowExtensions) ?? PickleVerdict.Unscannable;
        var evidence = SourceEvidence(facts);
        var trusted = settings.TrustSourceScan && facts.PickleScan == ScanResult.Success;
        if (verdict != PickleVerdict.Dangerous && facts.PickleScan is ScanResult.Danger or ScanResult.Error)
        {
            // A source that marks the file dangerous, or whose scan failed, is heard whatever our verdict: either scanner may refuse.
            errors.Add(Issue(facts.PickleScan == ScanResult.Danger
                ? $"The source's pickle scan marks this file as dangerous (the gateway's scan: {Name(verdict)})."
                : $"The source's pickle scan failed on this file, so it cannot be trusted (the gateway's scan: {Name(verdict)})."));
            return true;
        }
        switch (verdict)
        {
            case PickleVerdict.Dangerous:
                errors.Add(Issue($"The gateway's pickle scan finds this file dangerous: {Reasons(report!, settings)}.{evidence}"));
                break;
            case PickleVerdict.Unscannable:
                var why = report is null ? "its pickles could not be read" : Reasons(report, settings);
                Add(trusted ? PolicyAction.Warn : settings.Unscannable,
                    $"The gateway could not scan this file's pickles: {why}.{evidence}{(trusted ? " The source's clean scan is trusted by this policy." : "")}");
                break;
            case PickleVerdict.Suspicious:
                Add(trusted ? PolicyAction.Warn : settings.Suspicious,
                    $"The gateway's pickle scan finds globals or structure off the allow-list: {Reasons(report!, settings)}.{evidence}{(trusted ? " The source's clean scan is trusted by this policy." : "")}");
                break;
        }
        return true;

        void Add(PolicyAction action, string message) => (action == PolicyAction.Deny ? errors : warnings).Add(Issue(message));
    }

    private static string Name(PickleVerdict verdict) => verdict.ToString().ToLowerInvariant();

    private static ValidationIssue Issue(string message) => new(ValidationCodes.UnsafePickleScan, message, "file");

    private static string Reasons(PickleScanReport report, PickleScanSettings settings)
    {
        var deciding = report.Deciding(settings.AllowExtensions).ToList();
        var shown = string.Join("; ", deciding.Take(3).Select(f => $"{f.Rule} {f.Detail}"));
        return deciding.Count > 3 ? string.Create(CultureInfo.InvariantCulture, $"{shown}; and {deciding.Count - 3} more") : shown;
    }

    private static string SourceEvidence(AssetFacts facts) => facts.PickleScan switch
    {
        ScanResult.Success => $" ({facts.Source}'s own scan: clean)",
        ScanResult.Danger => $" ({facts.Source}'s own scan: dangerous)",
        ScanResult.Error => $" ({facts.Source}'s own scan: failed)",
        ScanResult.Pending => $" ({facts.Source}'s own scan: pending)",
        _ => "",
    };
}
