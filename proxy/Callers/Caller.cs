using System.Globalization;
using System.Net;
using System.Security.Claims;
using ModelGateway.Telemetry;

namespace ModelGateway.Callers;

/// <summary>
/// Who is asking, resolved once per request by authentication (<c>Auth/ApiKeyAuthenticationHandler</c>) and read
/// everywhere else (<see cref="CallerHttpContextExtensions.GetCaller"/>): the key's name and policy profile, and the
/// rate-limit partition with its permit limit. A request without a valid key is the anonymous caller, counted by its
/// client's address.
/// </summary>
/// <param name="KeyName">The API key's name; null for a request without a valid key.</param>
/// <param name="Profile">The key's policy profile (<c>ApiKeys:N:Policy</c>), null for the base policy.</param>
/// <param name="PartitionId">What the rate limits count: <c>key:&lt;name&gt;</c>, or <c>ip:&lt;address&gt;</c>.</param>
/// <param name="PermitLimit">The key's own <c>ApiKeys:N:PermitLimit</c>, else <c>RateLimiting:PermitLimit</c>.</param>
internal sealed record Caller(string? KeyName, string? Profile, string PartitionId, int PermitLimit)
{
    /// <summary>Claim type carried by an authenticated key with a policy profile.</summary>
    public const string ProfileClaim = "gateway:policy";

    /// <summary>Claim type carried by an authenticated key with its own <c>ApiKeys:N:PermitLimit</c>.</summary>
    public const string PermitLimitClaim = "gateway:permit_limit";

    private const string AddressPrefix = "ip:";

    /// <summary>The name audit events, metrics and the probe budget use: the key's, or <c>anonymous</c>.</summary>
    public string Name => KeyName ?? AuditCaller.Anonymous.KeyName;

    /// <summary>
    /// Whether the partition is a client address rather than a configured key: there can be any number of those, so
    /// their windows must expire on their own; the configured keys' windows are few and never expire.
    /// </summary>
    public bool IsClientAddress => PartitionId.StartsWith(AddressPrefix, StringComparison.Ordinal);

    /// <summary>The caller as audit events name it: its key's name and profile, never the key.</summary>
    public AuditCaller Audit => KeyName is null ? AuditCaller.Anonymous : new AuditCaller(KeyName, Profile);

    /// <summary>
    /// The caller <paramref name="user"/> is: an authenticated key is counted by its name, with its own limit when it
    /// carries <see cref="PermitLimitClaim"/>; anything else by the client's address (IPv4-mapped addresses as IPv4).
    /// </summary>
    public static Caller Resolve(ClaimsPrincipal? user, IPAddress? clientAddress, int defaultPermitLimit)
    {
        if (user?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name })
        {
            var limit = int.TryParse(user.FindFirst(PermitLimitClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var own) && own > 0
                ? own
                : defaultPermitLimit;
            return new Caller(name, user.FindFirst(ProfileClaim)?.Value, "key:" + name, limit);
        }
        var address = clientAddress is null ? "unknown" : (clientAddress.IsIPv4MappedToIPv6 ? clientAddress.MapToIPv4() : clientAddress).ToString();
        return new Caller(null, null, AddressPrefix + address, defaultPermitLimit);
    }
}
