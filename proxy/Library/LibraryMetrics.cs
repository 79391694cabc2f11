using System.Diagnostics.Metrics;
using ModelGateway.Telemetry;

namespace ModelGateway.Library;

/// <summary>
/// The library's instruments, on the gateway's meter: downloads answered from the store or not, bytes sent from the store
/// and from upstream, fills by outcome, evictions, and the store's size as this replica knows it.
/// </summary>
internal sealed class LibraryMetrics
{
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _fills;
    private readonly Counter<long> _evictions;

    public LibraryMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(GatewayMetrics.MeterName);
        _hits = meter.CreateCounter<long>("modelgateway.library.hits", "{download}",
            "Downloads of files with a published SHA-256 answered from the library (no host asked for the bytes).");
        _misses = meter.CreateCounter<long>("modelgateway.library.misses", "{download}",
            "Downloads of files with a published SHA-256 the library did not hold (streamed from upstream, teed when whole).");
        _bytes = meter.CreateCounter<long>("modelgateway.library.bytes", "By",
            "Bytes of downloads sent to clients, by where they came from (store or upstream).");
        _fills = meter.CreateCounter<long>("modelgateway.library.fills", "{fill}",
            "Fills of the library from downloads, by outcome (stored, mismatch, dropped, store_failed, no_room).");
        _evictions = meter.CreateCounter<long>("modelgateway.library.evictions", "{blob}",
            "Blobs removed to keep the library under Library:MaxSizeGB or above Library:MinFreeSpaceGB.");
        meter.CreateObservableGauge("modelgateway.library.size", () => SizeBytes?.Invoke() ?? 0, "By",
            "Bytes of verified blobs in the library, as this replica knows it.");
        meter.CreateObservableGauge("modelgateway.library.blobs", () => BlobCount?.Invoke() ?? 0, "{blob}",
            "Verified blobs in the library, as this replica knows it.");
    }

    /// <summary>Set by <see cref="ModelLibrary"/>: its index's totals.</summary>
    public Func<long>? SizeBytes { get; set; }

    public Func<long>? BlobCount { get; set; }

    public void Hit() => _hits.Add(1);

    public void Miss() => _misses.Add(1);

    public void BytesSent(bool fromStore, long bytes) =>
        _bytes.Add(bytes, new KeyValuePair<string, object?>("from", fromStore ? "store" : "upstream"));

    public void Fill(string outcome) => _fills.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Evicted() => _evictions.Add(1);
}

/// <summary>How a fill ended (<see cref="LibraryMetrics.Fill"/>).</summary>
internal static class FillOutcomes
{
    public const string Stored = "stored";
    public const string Mismatch = "mismatch";
    public const string Dropped = "dropped";
    public const string StoreFailed = "store_failed";
    public const string NoRoom = "no_room";
}
