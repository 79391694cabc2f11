using ModelGateway.Egress;
using ModelGateway.PickleScan;
using ModelGateway.Policies;
using ModelGateway.Sources;

namespace ModelGateway.Sniffing;

/// <summary>
/// The pickle scan of a lookup: the head already read, then the Range reads the scan asks for (a torch zip's end
/// records and central directory, the rest of its <c>data.pkl</c>; a legacy or raw file's pickles), each within
/// <c>ContentCheck:MaxPickleBytes</c>.
/// </summary>
internal sealed partial class ContentInspector
{
    // Steps of one scan: end records, central directory, data.pkl, and a few more head reads for a legacy file.
    private const int MaxScanSteps = 8;

    /// <summary>
    /// Whether a file may hold pickles the scan must judge: its bytes say so, or its name or source claims a pickle and
    /// the bytes are no other model format (a 7z wrapper, a protocol-0 pickle without a signature, a zip, …).
    /// </summary>
    private static bool BearsPickles(ModelFormat claimed, SniffResult sniff) =>
        sniff.Format == ModelFormat.PickleTensor
        || (claimed == ModelFormat.PickleTensor && sniff.Kind != SniffKind.Undetermined
            && sniff.Format is not (ModelFormat.SafeTensor or ModelFormat.GGUF or ModelFormat.ONNX) && sniff.Signature != "html");

    /// <summary>The scan's report: a known file's (by the SHA-256 its source computed, not a plain URL's claim), else a new scan's.</summary>
    private async Task<PickleScanReport> ScanPicklesAsync(ContentLocation location, ProbeScope scope, byte[] head, long? total,
        AssetFacts facts, CancellationToken cancellationToken)
    {
        var sha256 = facts.Source == "http" ? null : facts.Sha256?.ToLowerInvariant();
        if (pickleReports.Find(sha256, total) is { } known)
        {
            return known;
        }
        var report = await ScanPicklesAsync(location, scope, head, total, cancellationToken);
        pickleReports.Add(sha256, total, report);
        return report;
    }

    private async Task<PickleScanReport> ScanPicklesAsync(ContentLocation location, ProbeScope scope, byte[] head, long? total,
        CancellationToken cancellationToken)
    {
        var maxBytes = checkOptions.CurrentValue.MaxPickleBytes;
        var limits = PickleScanLimits.Default with { MaxPickleBytes = maxBytes };
        var view = new PickleFileView(head, total);
        try
        {
            for (var step = 0; step < MaxScanSteps; step++)
            {
                switch (PickleFileScanner.Scan(view, limits))
                {
                    case PickleScanDone done:
                        Log.PicklesScanned(logger, location.Url.Host, done.Report.Container, done.Report.Verdict);
                        return done.Report;
                    case PickleScanNeeds needs:
                        if (needs.HeadBytes > maxBytes + ExtraHeadBytes || needs.TailBytes > maxBytes + PickleFileScanner.ZipEndBytes)
                        {
                            return PickleFileScanner.Unreadable($"the scan needs bytes beyond the {maxBytes}-byte cap");
                        }
                        var newHead = view.Head;
                        if (needs.HeadBytes > newHead.Length)
                        {
                            var more = await ReadRangeAsync(location, scope, newHead.Length, needs.HeadBytes - newHead.Length, cancellationToken);
                            if (more is null)
                            {
                                return PickleFileScanner.Unreadable("the host did not serve the bytes the scan needs");
                            }
                            newHead = [.. newHead, .. more];
                            if (more.Length < needs.HeadBytes - view.Head.Length)
                            {
                                total ??= newHead.Length; // the file ended
                            }
                        }
                        var tail = view.Tail;
                        if (needs.TailBytes > (tail?.Length ?? 0) && total is { } size)
                        {
                            tail = await ReadRangeAsync(location, scope, size - needs.TailBytes, needs.TailBytes, cancellationToken);
                            if (tail is null || tail.Length != needs.TailBytes)
                            {
                                return PickleFileScanner.Unreadable("the host did not serve the file's end, where its zip directory is");
                            }
                        }
                        view = new PickleFileView(newHead, total, tail);
                        break;
                }
            }
            return PickleFileScanner.Unreadable("the scan needed more reads than it may make");
        }
        catch (EgressException ex)
        {
            Log.ReadFailed(logger, location.Url.Host, ex.Failure);
            return PickleFileScanner.Unreadable("reading the file's pickles failed");
        }
    }

    // A data.pkl's local header and padding beyond the pickle cap.
    private const long ExtraHeadBytes = 1L << 20;

    /// <summary>Bytes <paramref name="from"/>..+<paramref name="count"/> of the file (fewer at its end), or null when the host will not serve them.</summary>
    private async Task<byte[]?> ReadRangeAsync(ContentLocation location, ProbeScope scope, long from, long count, CancellationToken cancellationToken)
    {
        if (count <= 0 || from < 0)
        {
            return [];
        }
        using var response = await SendRangeAsync(location, scope, from, count, cancellationToken);
        if (response.StatusCode != 206 || !IsFileBytes(response, from))
        {
            return null; // a 200 would mean reading the file from its start: only ranged reads here
        }
        var buffer = new byte[count];
        var read = await EgressBody.ReadIntoAsync(response.Message, buffer, cancellationToken);
        return read == count ? buffer : buffer[..read];
    }
}
