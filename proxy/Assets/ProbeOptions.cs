namespace ModelGateway.Assets;

/// <summary>
/// <c>Probes</c>: how many uncached lookups (probes of a source) may run at once, per API key and in total, so one
/// key's burst cannot starve the others'. A cached answer never counts. Read at startup.
/// </summary>
internal sealed class ProbeOptions
{
    public const string SectionName = "Probes";

    /// <summary>Probes one key may have running; beyond, 429 <c>RATE_LIMITED</c>.</summary>
    public int MaxConcurrentPerKey { get; set; } = 8;

    /// <summary>Probes running for all keys together; beyond, 503 <c>SERVICE_UNAVAILABLE</c>.</summary>
    public int MaxConcurrent { get; set; } = 32;
}
