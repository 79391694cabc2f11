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
                configuration.GetSection("Policy").Bind(options.Policy);
                foreach (var profile in configuration.GetSection("PolicyProfiles").GetChildren())
                {
                    var overlay = new PolicyOptions();
                    profile.Bind(overlay);
                    options.Profiles[profile.Key] = overlay;
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayPolicyOptions>, GatewayPolicyOptionsValidator>();
        services.AddSingleton<PolicyProvider>();
        return services;
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
