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

    /// <summary>
    /// Binds a policy section. An explicitly empty list (<c>"AllowedFormats": []</c> in JSON, or an empty
    /// environment variable) means "any", which the binder alone would read as "not set".
    /// </summary>
    private static void Bind(IConfigurationSection section, PolicyOptions options)
    {
        section.Bind(options);
        options.AllowedFormats = EmptyIfCleared(section, nameof(PolicyOptions.AllowedFormats), options.AllowedFormats);
        options.AllowedHosts = EmptyIfCleared(section, nameof(PolicyOptions.AllowedHosts), options.AllowedHosts);
        options.BlockedHosts = EmptyIfCleared(section, nameof(PolicyOptions.BlockedHosts), options.BlockedHosts);
        options.AllowedModelTypes = EmptyIfCleared(section, nameof(PolicyOptions.AllowedModelTypes), options.AllowedModelTypes);
    }

    private static List<string>? EmptyIfCleared(IConfigurationSection section, string key, List<string>? bound)
    {
        var list = section.GetSection(key);
        return bound is null && list.Value is { Length: 0 } && !list.GetChildren().Any() ? [] : bound;
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
