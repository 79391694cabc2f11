using ModelGateway.Primitives;

namespace ModelGateway.Caching;

/// <summary>What the cache did for one lookup; sent as <c>X-Cache-Status</c>.</summary>
internal enum CacheStatus
{
    /// <summary>This request's probe asked the source (nothing usable was cached).</summary>
    Miss,

    /// <summary>
    /// Answered without a probe by this request: from memory, from Redis, or by another request's or replica's probe
    /// this one waited for.
    /// </summary>
    Hit,

    /// <summary>The source failed; the last known facts were served, flagged <c>STALE_METADATA</c>.</summary>
    Stale,
}

internal static class CacheStatusHeader
{
    public const string Name = "X-Cache-Status";

    public static string Value(CacheStatus status) => status switch
    {
        CacheStatus.Hit => "HIT",
        CacheStatus.Stale => "STALE",
        _ => "MISS",
    };

    /// <summary>Marks a lookup's failure with how the cache produced it (a cached "not found" is a HIT).</summary>
    public static GatewayException Attach(GatewayException exception, CacheStatus status)
    {
        ArgumentNullException.ThrowIfNull(exception);
        exception.Data[Name] = Value(status);
        return exception;
    }

    /// <summary>The header value a lookup's failure carries, or null when it did not come from the cache.</summary>
    public static string? Of(Exception exception) => exception?.Data[Name] as string;
}
