using ModelGateway.Policies;
using ModelGateway.Primitives;

namespace ModelGateway.PolicyProfiles;

/// <summary>The <c>Policy</c> section and the <c>PolicyProfiles</c> that override it for keys naming them.</summary>
internal sealed class GatewayPolicyOptions
{
    public PolicyOptions Policy { get; set; } = new();

    public Dictionary<string, PolicyOptions> Profiles { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Binds <c>Policy</c> and every <c>PolicyProfiles:&lt;name&gt;</c> of <paramref name="configuration"/> onto
    /// <paramref name="options"/>. With <paramref name="problems"/>, a value of the wrong type in one section is listed
    /// there and the others are still bound; without, it throws.
    /// </summary>
    /// <returns>The sections that bound, by path (<c>Policy</c>, <c>PolicyProfiles:strict</c>).</returns>
    public static IReadOnlyDictionary<string, PolicyOptions> Bind(IConfiguration configuration, GatewayPolicyOptions options, IList<string>? problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        var bound = new Dictionary<string, PolicyOptions>(StringComparer.Ordinal);
        if (BindSection(configuration.GetSection("Policy"), options.Policy, problems))
        {
            bound["Policy"] = options.Policy;
        }
        foreach (var section in configuration.GetSection("PolicyProfiles").GetChildren())
        {
            var overlay = new PolicyOptions();
            options.Profiles[section.Key] = overlay;
            if (BindSection(section, overlay, problems))
            {
                bound[section.Path] = overlay;
            }
        }
        return bound;
    }

    private static bool BindSection(IConfigurationSection section, PolicyOptions options, IList<string>? problems)
    {
        void BindAll()
        {
            section.Bind(options);
            // Configuration has no empty list: JSON's [] (or an empty environment variable) arrives as the key with an
            // empty value, which Bind skips. Read it as the empty list the admin wrote ("any"), not as absent (inherit).
            options.AllowedFormats = ExplicitlyEmpty(section, nameof(PolicyOptions.AllowedFormats)) ?? options.AllowedFormats;
            options.AllowedHosts = ExplicitlyEmpty(section, nameof(PolicyOptions.AllowedHosts)) ?? options.AllowedHosts;
            options.BlockedHosts = ExplicitlyEmpty(section, nameof(PolicyOptions.BlockedHosts)) ?? options.BlockedHosts;
            options.AllowedModelTypes = ExplicitlyEmpty(section, nameof(PolicyOptions.AllowedModelTypes)) ?? options.AllowedModelTypes;
        }

        if (problems is null)
        {
            BindAll();
            return true;
        }
        return ConfigBinding.TryBind(BindAll, problems);
    }

    private static List<string>? ExplicitlyEmpty(IConfigurationSection parent, string key)
    {
        var list = parent.GetSection(key);
        return list.Value is { Length: 0 } && !list.GetChildren().Any() ? [] : null;
    }
}
