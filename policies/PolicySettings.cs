namespace ModelGateway.Policies;

/// <summary>A resolved, validated policy: what <see cref="PolicyEvaluator"/> and <see cref="HostPolicy"/> read.</summary>
public sealed record PolicySettings
{
    public static readonly IReadOnlyList<ModelFormat> DefaultAllowedFormats = [ModelFormat.SafeTensor];

    public IReadOnlyList<ModelFormat> AllowedFormats { get; init; } = DefaultAllowedFormats;

    public long MaxSizeBytes { get; init; }

    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    public IReadOnlyList<string> BlockedHosts { get; init; } = [];

    public IReadOnlyList<string> AllowedModelTypes { get; init; } = [];

    public PolicyAction UnverifiedContent { get; init; } = PolicyAction.Warn;

    public PolicyAction UnknownSize { get; init; } = PolicyAction.Warn;

    public PickleScanSettings PickleScan { get; init; } = new();

    /// <summary>
    /// The effective policy: <paramref name="profile"/>'s keys where it sets them, else <paramref name="basePolicy"/>'s,
    /// else the defaults. Call <see cref="PolicyOptionsValidator"/> first: unknown names are skipped here.
    /// </summary>
    public static PolicySettings Resolve(PolicyOptions basePolicy, PolicyOptions? profile = null)
    {
        ArgumentNullException.ThrowIfNull(basePolicy);
        var formats = profile?.AllowedFormats ?? basePolicy.AllowedFormats;
        var allowedFormats = formats is null ? DefaultAllowedFormats : ParseFormats(formats);
        return new PolicySettings
        {
            AllowedFormats = allowedFormats,
            PickleScan = PickleScanSettings.Resolve(basePolicy.PickleScan, profile?.PickleScan),
            MaxSizeBytes = profile?.MaxSizeBytes ?? basePolicy.MaxSizeBytes ?? 0,
            AllowedHosts = Normalize(profile?.AllowedHosts ?? basePolicy.AllowedHosts),
            BlockedHosts = Normalize(profile?.BlockedHosts ?? basePolicy.BlockedHosts),
            AllowedModelTypes = (profile?.AllowedModelTypes ?? basePolicy.AllowedModelTypes ?? [])
                .Select(ModelFolders.Normalize).OfType<string>().Distinct().ToArray(),
            UnverifiedContent = profile?.UnverifiedContent ?? basePolicy.UnverifiedContent ?? PolicyAction.Warn,
            UnknownSize = profile?.UnknownSize ?? basePolicy.UnknownSize ?? PolicyAction.Warn,
        };
    }

    private static ModelFormat[] ParseFormats(IEnumerable<string> names) =>
        names.Where(name => !string.IsNullOrWhiteSpace(name))
            .Select(name => ModelFormats.TryParse(name, out var format) ? format : (ModelFormat?)null)
            .OfType<ModelFormat>().Distinct().ToArray();

    private static string[] Normalize(IEnumerable<string>? hosts) =>
        hosts is null ? [] : hosts.Where(h => !string.IsNullOrWhiteSpace(h)).Select(HostPolicy.NormalizeHost).Distinct().ToArray();
}
