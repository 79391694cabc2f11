using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Auth;
using ModelGateway.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

internal static class AuthServiceCollectionExtensions
{
    /// <summary>
    /// The <c>ApiKey</c> authentication scheme, the <c>ApiKey</c> authorization policy YARP routes can name, and the
    /// check of the <c>ApiKeys</c> section.
    /// </summary>
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ApiKeyOptions>()
            .BindLive((options, configuration) => configuration.GetSection(ApiKeyOptions.SectionName).Bind(options.Keys));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, ApiKeysConfigValidator>());
        services.AddSingleton<ApiKeyStore>();
        services.AddTransient<ApiKeyAuthenticationHandler>();
        services.AddAuthentication(options =>
        {
            options.AddScheme<ApiKeyAuthenticationHandler>(ApiKeyDefaults.SchemeName, displayName: null);
            options.DefaultScheme = ApiKeyDefaults.SchemeName;
        });
        // The one scheme is the default, whose result UseAuthentication() already put on the request: a policy naming it
        // would only have authorization authenticate again and merge the same principal into a copy.
        var requireKey = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyDefaults.PolicyName, requireKey)
            // Secure by default: a YARP route that names no AuthorizationPolicy still needs the key; a route that is
            // meant to be open says so with "AuthorizationPolicy": "Anonymous".
            .SetFallbackPolicy(requireKey);
        return services;
    }
}
