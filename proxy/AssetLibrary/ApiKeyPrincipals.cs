using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using ModelGateway.Auth;
using ModelGateway.RateLimiting;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// The caller a task runs as: the key named by the task's owner as it is configured now (a background task, or one
/// resumed on another replica, has no request to authenticate). A key removed from the configuration runs nothing.
/// </summary>
internal sealed class ApiKeyPrincipals(IOptionsMonitor<ApiKeyOptions> keys)
{
    public ClaimsPrincipal? For(string keyName)
    {
        var entry = keys.CurrentValue.Keys.FirstOrDefault(k => string.Equals(k.Name, keyName, StringComparison.Ordinal));
        if (entry is null)
        {
            return null;
        }
        var claims = new List<Claim> { new(ClaimTypes.Name, entry.Name) };
        if (!string.IsNullOrEmpty(entry.Policy))
        {
            claims.Add(new Claim(ApiKeyDefaults.PolicyProfileClaim, entry.Policy));
        }
        if (entry.PermitLimit is { } limit)
        {
            claims.Add(new Claim(RateLimitingDefaults.PermitLimitClaim, limit.ToString(CultureInfo.InvariantCulture)));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, ApiKeyDefaults.SchemeName));
    }
}
