using Microsoft.Extensions.Options;
using ModelGateway.Auth;
using ModelGateway.Callers;
using ModelGateway.RateLimiting;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// The caller a task runs as: the key named by the task's owner as it is configured now (a background task, or one
/// resumed on another replica, has no request to authenticate). A key removed from the configuration runs nothing.
/// </summary>
internal sealed class ApiKeyPrincipals(IOptionsMonitor<ApiKeyOptions> keys, IOptionsMonitor<RateLimitingOptions> rateLimits)
{
    public Caller? For(string keyName)
    {
        var entry = keys.CurrentValue.Keys.FirstOrDefault(k => string.Equals(k.Name, keyName, StringComparison.Ordinal));
        return entry is null
            ? null
            : new Caller(entry.Name, string.IsNullOrEmpty(entry.Policy) ? null : entry.Policy, "key:" + entry.Name,
                entry.PermitLimit is > 0 and var own ? own : rateLimits.CurrentValue.PermitLimit);
    }
}
