using Microsoft.AspNetCore.Authorization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ModelGateway.Auth;

namespace Microsoft.Extensions.DependencyInjection;

public static class AuthServiceCollectionExtensions
{
    /// <summary>The <c>ApiKey</c> authentication scheme and the <c>ApiKey</c> authorization policy YARP routes can name.</summary>
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ApiKeyOptions>()
            .Configure<IConfiguration>((options, configuration) => configuration.GetSection("ApiKeys").Bind(options.Keys))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiKeyOptions>, ApiKeyOptionsValidator>();
        services.AddSingleton<ApiKeyStore>();
        services.AddAuthentication(ApiKeyDefaults.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.SchemeName, _ => { });
        var requireKey = new AuthorizationPolicyBuilder(ApiKeyDefaults.SchemeName).RequireAuthenticatedUser().Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyDefaults.PolicyName, requireKey)
            // Secure by default: a YARP route that names no AuthorizationPolicy still needs the key; a route that is
            // meant to be open says so with "AuthorizationPolicy": "Anonymous".
            .SetFallbackPolicy(requireKey);
        return services;
    }

    private sealed class ApiKeyOptionsValidator(IConfiguration configuration) : IValidateOptions<ApiKeyOptions>
    {
        public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
        {
            var failures = new List<string>();
            var profiles = configuration.GetSection("PolicyProfiles").GetChildren().Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            for (var i = 0; i < options.Keys.Count; i++)
            {
                var key = options.Keys[i];
                if (string.IsNullOrWhiteSpace(key.Name))
                {
                    failures.Add($"ApiKeys:{i}:Name is required.");
                }
                if (!ApiKeyStore.TryDecode(key.KeySha256, hash))
                {
                    failures.Add($"ApiKeys:{i}:KeySha256 must be the 64-digit hex SHA-256 of the key (see README: \"Adding an API key\").");
                }
                if (key.PermitLimit is <= 0)
                {
                    failures.Add($"ApiKeys:{i}:PermitLimit must be a positive number of requests.");
                }
                if (!string.IsNullOrEmpty(key.Policy) && !profiles.Contains(key.Policy))
                {
                    failures.Add($"ApiKeys:{i}:Policy names \"{key.Policy}\", but there is no PolicyProfiles:{key.Policy} section.");
                }
            }
            foreach (var duplicate in options.Keys.Where(k => !string.IsNullOrWhiteSpace(k.Name)).GroupBy(k => k.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                failures.Add($"ApiKeys: the name \"{duplicate.Key}\" is used by more than one key.");
            }
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
