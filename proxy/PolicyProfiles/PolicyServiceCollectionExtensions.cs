using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.PolicyProfiles;
using ModelGateway.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

internal static class PolicyServiceCollectionExtensions
{
    /// <summary>The <c>Policy</c> and <c>PolicyProfiles</c> sections, their check, and <see cref="PolicyProvider"/>.</summary>
    public static IServiceCollection AddGatewayPolicy(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GatewayPolicyOptions>()
            .BindLive((options, configuration) => GatewayPolicyOptions.Bind(configuration, options, problems: null));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, PolicyConfigValidator>());
        services.AddSingleton<PolicyProvider>();
        return services;
    }
}
