using System.Net;
using System.Security.Claims;
using ModelGateway.Callers;

namespace ModelGateway.RateLimiting;

/// <summary>Who is counted (an API key's name, or an anonymous client's address) and how many requests they get.</summary>
internal readonly record struct RateLimitPartitionKey(string Id, int PermitLimit)
{
    /// <summary>
    /// Whether the partition is a client address rather than a configured key: there can be any number of those, so
    /// their windows must expire on their own; the configured keys' windows are few and never expire.
    /// </summary>
    public bool IsClientAddress => Id.StartsWith("ip:", StringComparison.Ordinal);

    /// <summary>The partition of the request's <paramref name="caller"/> (<see cref="Caller.PartitionId"/>, <see cref="Caller.PermitLimit"/>).</summary>
    public static RateLimitPartitionKey Of(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new RateLimitPartitionKey(caller.PartitionId, caller.PermitLimit);
    }

    /// <summary>As <see cref="Caller.Resolve"/> counts <paramref name="user"/>.</summary>
    public static RateLimitPartitionKey For(ClaimsPrincipal? user, IPAddress? clientAddress, int defaultPermitLimit) =>
        Of(Caller.Resolve(user, clientAddress, defaultPermitLimit));
}
