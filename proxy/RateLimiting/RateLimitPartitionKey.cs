using System.Globalization;
using System.Net;
using System.Security.Claims;

namespace ModelGateway.RateLimiting;

/// <summary>Who is counted (an API key's name, or an anonymous client's address) and how many requests they get.</summary>
internal readonly record struct RateLimitPartitionKey(string Id, int PermitLimit)
{
    private const string AddressPrefix = "ip:";

    /// <summary>
    /// Whether the partition is a client address rather than a configured key: there can be any number of those, so
    /// their windows must expire on their own; the configured keys' windows are few and never expire.
    /// </summary>
    public bool IsClientAddress => Id.StartsWith(AddressPrefix, StringComparison.Ordinal);

    /// <summary>
    /// An authenticated key is counted by its name, with its own limit when it carries
    /// <see cref="RateLimitingDefaults.PermitLimitClaim"/>; anything else by the client's address.
    /// </summary>
    public static RateLimitPartitionKey For(ClaimsPrincipal? user, IPAddress? clientAddress, int defaultPermitLimit)
    {
        if (user?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name })
        {
            var limit = int.TryParse(user.FindFirst(RateLimitingDefaults.PermitLimitClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var own) && own > 0
                ? own
                : defaultPermitLimit;
            return new RateLimitPartitionKey("key:" + name, limit);
        }
        var address = clientAddress is null ? "unknown" : (clientAddress.IsIPv4MappedToIPv6 ? clientAddress.MapToIPv4() : clientAddress).ToString();
        return new RateLimitPartitionKey(AddressPrefix + address, defaultPermitLimit);
    }
}
