namespace ModelGateway.Caching;

/// <summary>What the cache did for one lookup; sent as <c>X-Cache-Status</c>.</summary>
public enum CacheStatus
{
    /// <summary>The source was asked (nothing usable was cached).</summary>
    Miss,

    /// <summary>Served from the cache (memory or Redis) without asking the source.</summary>
    Hit,

    /// <summary>The source failed; the last known facts were served, flagged <c>STALE_METADATA</c>.</summary>
    Stale,
}

public static class CacheStatusHeader
{
    public const string Name = "X-Cache-Status";

    public static string Value(CacheStatus status) => status switch
    {
        CacheStatus.Hit => "HIT",
        CacheStatus.Stale => "STALE",
        _ => "MISS",
    };
}
