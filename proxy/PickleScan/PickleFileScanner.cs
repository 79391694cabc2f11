using System.Security.Cryptography;
using ModelGateway.Policies;

namespace ModelGateway.PickleScan;

/// <summary>
/// The bytes of a file the scan has: its first <see cref="Head"/> bytes and, when the file is longer, its last
/// <see cref="Tail"/> bytes (a zip's central directory). <see cref="TotalLength"/> is the file's size when known.
/// </summary>
internal sealed record PickleFileView(byte[] Head, long? TotalLength, byte[]? Tail = null)
{
    public bool HeadIsWholeFile => TotalLength is { } total && Head.Length >= total;
}

/// <summary>What a scan step gives: a report, or how many more bytes it needs to give one.</summary>
internal abstract record PickleScanStep;

internal sealed record PickleScanDone(PickleScanReport Report) : PickleScanStep;

/// <summary>Read the file's first <paramref name="HeadBytes"/> and last <paramref name="TailBytes"/>, then scan again.</summary>
internal sealed record PickleScanNeeds(long HeadBytes, long TailBytes) : PickleScanStep;

/// <summary>
/// Scans a pickle-bearing file by its magic bytes, never its name: a torch zip (its one <c>data.pkl</c> and its
/// central directory), a legacy torch file (its five pickles), a raw pickle (all of it), and <c>unscannable</c> for
/// archives it cannot look into (7z, tar, gzip, …). Pure: bytes in, a report (or the ranges it still needs) out.
/// </summary>
internal static partial class PickleFileScanner
{
    /// <summary>The tail that holds any zip's end records: EOCD with the longest comment, zip64 locator and record.</summary>
    public const int ZipEndBytes = 22 + 65535 + 20 + 56;

    private static ReadOnlySpan<byte> LegacyMagicBinary => [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E];

    private static ReadOnlySpan<byte> LegacyMagicText => "L119547037146038801333356L\n."u8;

    /// <summary>The container a head names, when it is one the scan cannot look into.</summary>
    public static string? UnsupportedContainer(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]))
        {
            return "7z";
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
        {
            return "gzip";
        }
        if (head.StartsWith("BZh"u8))
        {
            return "bzip2";
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]))
        {
            return "xz";
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]))
        {
            return "zstd";
        }
        if (head.StartsWith("Rar!"u8))
        {
            return "rar";
        }
        if (head.Length >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8))
        {
            return "tar"; // torch's oldest (0.1.1) format too: weights_only refuses it
        }
        return null;
    }

    public static PickleScanStep Scan(PickleFileView view, PickleScanLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        limits ??= PickleScanLimits.Default;
        var head = view.Head;
        if (UnsupportedContainer(head) is { } container)
        {
            var findings = new PickleFindings();
            findings.Add(PickleRules.Container, PickleVerdict.Unscannable, $"a {container} archive: the scan cannot look inside it");
            return Done(container, findings, view, prefix: 0);
        }
        if (head.AsSpan().StartsWith("PK\x03\x04"u8) || head.AsSpan().StartsWith("PK\x05\x06"u8))
        {
            return new ZipScan(view, limits).Run();
        }
        return head.AsSpan().StartsWith(LegacyMagicBinary) || head.AsSpan().StartsWith(LegacyMagicText)
            ? ScanLegacy(view, limits)
            : ScanRaw(view, limits);
    }

    /// <summary>Scans until a report, reading through <paramref name="read"/> (for tests and the benchmark: whole bytes).</summary>
    public static PickleScanReport ScanBytes(byte[] file, PickleScanLimits? limits = null) =>
        Scan(new PickleFileView(file, file.Length), limits) is PickleScanDone done
            ? done.Report
            : throw new InvalidOperationException("a whole file needs no more bytes");

    private static PickleScanStep ScanRaw(PickleFileView view, PickleScanLimits limits)
    {
        var findings = new PickleFindings();
        if (view.TotalLength is { } total && total > limits.MaxPickleBytes)
        {
            findings.Add(PickleRules.Limit, PickleVerdict.Unscannable, $"a raw pickle of {total} bytes, over the {limits.MaxPickleBytes}-byte cap");
            return Done("pickle", findings, view, prefix: 0);
        }
        if (!view.HeadIsWholeFile)
        {
            return NeedHead(view, limits);
        }
        var length = (int)Math.Min(view.Head.Length, view.TotalLength!.Value);
        var budget = new PickleBudget(limits);
        var offset = 0;
        do
        {
            // Concatenated pickles: a loader may read them one after another, so every one is judged.
            var run = PickleMachine.Run(view.Head, offset, length - offset, complete: true, findings, limits, budget);
            if (run.End != PickleRunEnd.Stopped)
            {
                break;
            }
            offset += run.Length;
        }
        while (offset < length);
        return Done("pickle", findings, view, prefix: length);
    }

    // torch/serialization.py _legacy_save: magic number, protocol version, sys_info, the object, the storage keys.
    private static PickleScanStep ScanLegacy(PickleFileView view, PickleScanLimits limits)
    {
        var findings = new PickleFindings();
        var budget = new PickleBudget(limits);
        var head = view.Head;
        var offset = 0;
        var complete = view.HeadIsWholeFile;
        var available = complete ? (int)view.TotalLength!.Value : head.Length;
        PickleRun? objectRun = null;
        for (var index = 0; index < 5; index++)
        {
            var run = PickleMachine.Run(head, offset, Math.Min(available, head.Length) - offset, complete, findings, limits, budget);
            switch (run.End)
            {
                case PickleRunEnd.Truncated:
                    return offset + run.Length >= limits.MaxPickleBytes
                        ? Cap(findings, "torch-legacy", view, limits)
                        : NeedHead(view, limits);
                case PickleRunEnd.Failed or PickleRunEnd.Limit:
                    return Done("torch-legacy", findings, view, prefix: 0);
            }
            // Pickle 0 is the magic number itself: the file is read as legacy only when it starts with its exact bytes
            // (anything else is scanned as concatenated raw pickles, so a "magic" computed by a call is judged as such).
            switch (index)
            {
                case 1 when run.Result is not PickleInt || run.Globals > 0:
                    findings.Add(PickleRules.LegacyHeader, PickleVerdict.Dangerous, "the protocol-version pickle is not a plain integer");
                    break;
                case 2 when run.Result is not PickleDict || run.Globals > 0:
                    findings.Add(PickleRules.LegacyHeader, PickleVerdict.Dangerous, "the sys_info pickle is not a dict of plain values");
                    break;
                case 3:
                    objectRun = run;
                    break;
                case 4:
                    CheckLegacyKeys(run, objectRun!, findings);
                    break;
            }
            offset += run.Length;
        }
        return Done("torch-legacy", findings, view, prefix: offset);
    }

    private static void CheckLegacyKeys(PickleRun keysRun, PickleRun objectRun, PickleFindings findings)
    {
        if (keysRun.Result is not PickleList list || keysRun.Globals > 0 || list.Items.Exists(i => i is not PickleStr { Value: not null }))
        {
            findings.Add(PickleRules.LegacyKeys, PickleVerdict.Dangerous, "the storage-keys pickle is not a list of strings");
            return;
        }
        var keys = list.Items.Select(i => ((PickleStr)i).Value!).ToHashSet(StringComparer.Ordinal);
        foreach (var storage in objectRun.Storages.Where(s => !keys.Contains(s.Key)).Take(3))
        {
            findings.Add(PickleRules.LegacyKeys, PickleVerdict.Dangerous, $"storage \"{storage.Key}\" is not among the file's storage keys");
        }
    }

    private static PickleScanStep NeedHead(PickleFileView view, PickleScanLimits limits)
    {
        var want = Math.Min(Math.Max(view.Head.Length * 4L, 1L << 20), limits.MaxPickleBytes);
        if (view.TotalLength is { } total)
        {
            want = Math.Min(want, total);
        }
        if (want <= view.Head.Length)
        {
            var findings = new PickleFindings();
            return Cap(findings, "pickle", view, limits);
        }
        return new PickleScanNeeds(want, view.Tail?.Length ?? 0);
    }

    private static PickleScanDone Cap(PickleFindings findings, string container, PickleFileView view, PickleScanLimits limits)
    {
        findings.Add(PickleRules.Limit, PickleVerdict.Unscannable, $"the pickles run past the {limits.MaxPickleBytes}-byte cap");
        return Done(container, findings, view, prefix: 0);
    }

    private static PickleScanDone Done(string container, PickleFindings findings, PickleFileView view, long prefix,
        long? centralOffset = null, string? centralSha256 = null) => new(new PickleScanReport
        {
            Container = container,
            Findings = findings.ToList(),
            FileLength = view.TotalLength,
            PrefixLength = prefix,
            PrefixSha256 = prefix > 0 ? Sha256(view.Head.AsSpan(0, (int)prefix)) : null,
            CentralDirectoryOffset = centralOffset,
            CentralDirectorySha256 = centralSha256,
        });

    /// <summary>A report for a file whose pickles could not be read (a host refusing Range, a read failing).</summary>
    public static PickleScanReport Unreadable(string detail) => new()
    {
        Container = "unread",
        Findings = [new PickleFinding(PickleRules.Unread, PickleVerdict.Unscannable, detail)],
    };

    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

}
