using Microsoft.Extensions.Options;
using ModelGateway.Policies;
using ModelGateway.Policy;

namespace Microsoft.Extensions.DependencyInjection;

public static class PolicyServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayPolicy(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GatewayPolicyOptions>()
            .Configure<IConfiguration>((options, configuration) =>
            {
                Bind(configuration.GetSection("Policy"), options.Policy);
                foreach (var profile in configuration.GetSection("PolicyProfiles").GetChildren())
                {
                    var overlay = new PolicyOptions();
                    Bind(profile, overlay);
                    options.Profiles[profile.Key] = overlay;
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayPolicyOptions>, GatewayPolicyOptionsValidator>();
        services.AddSingleton<PolicyProvider>();
        return services;
    }

    // Configuration has no empty list: JSON's [] (or an empty environment variable) arrives as the key with an empty
    // value, which Bind skips. Read it as the empty list the admin wrote ("any"), not as absent (default/inherit).
    private static void Bind(IConfigurationSection section, PolicyOptions options)
    {
        section.Bind(options);
        options.AllowedFormats = ExplicitlyEmpty(section, nameof(PolicyOptions.AllowedFormats)) ?? options.AllowedFormats;
        options.AllowedHosts = ExplicitlyEmpty(section, nameof(PolicyOptions.AllowedHosts)) ?? options.AllowedHosts;
        options.BlockedHosts = ExplicitlyEmpty(section, nameof(PolicyOptions.BlockedHosts)) ?? options.BlockedHosts;
        options.AllowedModelTypes = ExplicitlyEmpty(section, nameof(PolicyOptions.AllowedModelTypes)) ?? options.AllowedModelTypes;
    }

    private static List<string>? ExplicitlyEmpty(IConfigurationSection parent, string key)
    {
        var list = parent.GetSection(key);
        return list.Value is { Length: 0 } && !list.GetChildren().Any() ? [] : null;
    }

    private sealed class GatewayPolicyOptionsValidator : IValidateOptions<GatewayPolicyOptions>
    {
        public ValidateOptionsResult Validate(string? name, GatewayPolicyOptions options)
        {
            var failures = PolicyOptionsValidator.Validate("Policy", options.Policy)
                .Concat(options.Profiles.SelectMany(p => PolicyOptionsValidator.Validate($"PolicyProfiles:{p.Key}", p.Value)))
                .ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
