using System.Security.Cryptography;
using ModelGateway.Primitives;

namespace ModelGateway.Auth;

/// <summary>The <c>ApiKeys</c> list: every entry complete, hashes well-formed, names unique, profiles that exist.</summary>
internal sealed class ApiKeysConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new ApiKeyOptions();
        if (!ConfigBinding.TryBind(configuration.GetSection(ApiKeyOptions.SectionName), options.Keys, problems))
        {
            return;
        }
        var profiles = configuration.GetSection("PolicyProfiles").GetChildren().Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            if (string.IsNullOrWhiteSpace(key.Name))
            {
                problems.Add($"ApiKeys:{i}:Name is required.");
            }
            if (!ApiKeyStore.TryDecode(key.KeySha256, hash))
            {
                problems.Add($"ApiKeys:{i}:KeySha256 must be the 64-digit hex SHA-256 of the key (see README: \"Adding an API key\").");
            }
            if (key.PermitLimit is <= 0)
            {
                problems.Add($"ApiKeys:{i}:PermitLimit must be a positive number of requests.");
            }
            if (!string.IsNullOrEmpty(key.Role) && !string.Equals(key.Role, ApiKeyDefaults.AdminRole, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"ApiKeys:{i}:Role must be {ApiKeyDefaults.AdminRole} or absent; \"{key.Role}\" is not a role.");
            }
            if (!string.IsNullOrEmpty(key.Policy) && !profiles.Contains(key.Policy))
            {
                problems.Add($"ApiKeys:{i}:Policy names \"{key.Policy}\", but there is no PolicyProfiles:{key.Policy} section.");
            }
        }
        var names = options.Keys.Where(k => !string.IsNullOrWhiteSpace(k.Name)).GroupBy(k => k.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var duplicate in names.Where(g => g.Count() > 1))
        {
            problems.Add($"ApiKeys: the name \"{duplicate.Key}\" is used by more than one key.");
        }
    }
}
