using System.Net;
using ModelGateway.Auth;
using ModelGateway.RateLimiting;
using ModelGateway.Telemetry;

namespace ModelGateway.ForwardProxy;

/// <summary>Who a proxy request is from, or why it is refused.</summary>
/// <param name="Entry">The caller's <c>ApiKeys</c> entry; null when refused.</param>
/// <param name="Key">The key presented (handed to the gateway's pipeline for the decrypted requests); null when the caller is known by its network.</param>
/// <param name="RetryAfter">When refused because the address used up its failed-key budget: how long until it may try again.</param>
internal sealed record ProxyCaller(ApiKeyEntry? Entry, string? Key, TimeSpan? RetryAfter = null)
{
    public bool IsAuthenticated => Entry is not null;
}

/// <summary>
/// Authenticates a proxy request by <c>Proxy-Authorization</c>, with the same keys, networks and failed-key budget as the
/// gateway's endpoints: without credentials, a client on a network an entry names is that entry; a valid key is always accepted; a wrong one counts against its address's budget, and once that
/// is used up the address's wrong keys are refused with 429 (never its valid ones).
/// </summary>
internal sealed class ProxyAuthenticator(ApiKeyStore store, FailedAuthenticationLimiter failedAttempts, GatewayTelemetry telemetry)
{
    public ProxyCaller Authenticate(string? proxyAuthorization, IPAddress? peer)
    {
        if (string.IsNullOrEmpty(proxyAuthorization) && store.FindByNetwork(peer) is { } networkEntry)
        {
            return new ProxyCaller(networkEntry, null); // ApiKeys:N:Networks; credentials sent always win
        }
        var key = ProxyCredentials.Key(proxyAuthorization);
        if (key is null)
        {
            telemetry.Unauthenticated(peer, keyPresented: false);
            return new ProxyCaller(null, null);
        }
        if (store.Find(key) is { } entry)
        {
            return new ProxyCaller(entry, key);
        }
        if (failedAttempts.RefusedFor(peer) is { } refusedFor)
        {
            telemetry.FailedAuthenticationBudgetRefused();
            return new ProxyCaller(null, null, refusedFor);
        }
        failedAttempts.RecordFailure(peer, StringComparer.Ordinal.GetHashCode(key));
        telemetry.Unauthenticated(peer, keyPresented: true);
        return new ProxyCaller(null, null);
    }
}
