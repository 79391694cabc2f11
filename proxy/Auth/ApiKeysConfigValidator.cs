using System.Security.Cryptography;
using ModelGateway.Primitives;

namespace ModelGateway.Auth;

/// <summary>
/// The <c>ApiKeys</c> list: every entry complete and from one configuration layer, hashes well-formed (or absent on an
/// entry reached by its networks only), networks in CIDR form, names and hashes unique, profiles that exist. Layers merge
/// by index, so an entry set by two layers (a file and the environment, two files) would silently become one key with
/// another's fields — its policy, its name — and is refused instead.
/// </summary>
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
            if (!ApiKeyStore.TryDecode(key.KeySha256, hash) && !(key.Networks.Count > 0 && string.IsNullOrEmpty(key.KeySha256)))
            {
                problems.Add($"ApiKeys:{i}:KeySha256 must be the 64-digit hex SHA-256 of the key (see README: \"Adding an API key\").");
            }
            if (key.PermitLimit is <= 0)
            {
                problems.Add($"ApiKeys:{i}:PermitLimit must be a positive number of requests.");
            }
            foreach (var (network, n) in key.Networks.Select((network, n) => (network, n)))
            {
                // A host part past the prefix (10.20.0.1/16) is refused rather than masked: it is usually a typo.
                if (!System.Net.IPNetwork.TryParse(network, out var parsed)
                    || !System.Net.IPAddress.TryParse(network.Split('/')[0], out var written) || !written.Equals(parsed.BaseAddress))
                {
                    problems.Add($"ApiKeys:{i}:Networks:{n}: \"{network}\" is not a network in CIDR form with no bits set past its prefix (10.20.0.0/16, fd00::/64).");
                }
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
        foreach (var entry in configuration.GetSection(ApiKeyOptions.SectionName).GetChildren())
        {
            var layers = ConfigurationLayers.Setting(configuration, entry.Path);
            if (layers.Count > 1)
            {
                problems.Add($"{entry.Path} is set by more than one configuration layer ({string.Join(", ", layers)}): layers merge "
                    + "by index, so the entry would take fields (its name, hash or policy) from another's key. Give each key one "
                    + "whole entry, in one layer, at an index no other layer uses.");
            }
        }
        var hashes = options.Keys.Where(k => ApiKeyStore.TryDecode(k.KeySha256, new byte[SHA256.HashSizeInBytes])).GroupBy(k => k.KeySha256.ToLowerInvariant(), StringComparer.Ordinal);
        foreach (var duplicate in hashes.Where(g => g.Count() > 1))
        {
            problems.Add($"ApiKeys: the keys \"{string.Join("\", \"", duplicate.Select(k => k.Name))}\" have the same KeySha256: one key would act as whichever comes first.");
        }
        var names = options.Keys.Where(k => !string.IsNullOrWhiteSpace(k.Name)).GroupBy(k => k.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var duplicate in names.Where(g => g.Count() > 1))
        {
            problems.Add($"ApiKeys: the name \"{duplicate.Key}\" is used by more than one key.");
        }
    }
}
