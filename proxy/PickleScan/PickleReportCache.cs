using System.Collections.Concurrent;
using ModelGateway.Policies;

namespace ModelGateway.PickleScan;

/// <summary>
/// Scan reports by the file's SHA-256 and size, as a source that computes them itself publishes them (CivitAI's
/// hashes, Hugging Face's LFS <c>X-Linked-Etag</c>): the same file under another URL or version is not read and scanned
/// again. In process and bounded; the facts (report included) are also cached per URL in the metadata cache. A file
/// whose bytes differ from the hash its source claims cannot pass on the stream: downloads check the scanned bytes'
/// own hashes.
/// </summary>
internal sealed class PickleReportCache
{
    public const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<(string Sha256, long Size), PickleScanReport> _reports = new();

    public PickleScanReport? Find(string? sha256, long? size) =>
        sha256 is not null && size is { } length && _reports.TryGetValue((sha256, length), out var report) ? report : null;

    public void Add(string? sha256, long? size, PickleScanReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (sha256 is null || size is not { } length || report.Container == "unread")
        {
            return; // a failed read says nothing about the file
        }
        if (_reports.Count >= MaxEntries)
        {
            _reports.Clear(); // crude but bounded: reports are cheap to remake
        }
        _reports[(sha256, length)] = report;
    }
}
