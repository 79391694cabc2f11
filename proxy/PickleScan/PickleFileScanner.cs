using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
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
internal static class PickleFileScanner
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

    /// <summary>A torch zip, judged by its central directory (what torch's reader uses) and checked against its local headers.</summary>
    private sealed class ZipScan(PickleFileView view, PickleScanLimits limits)
    {
        private readonly PickleFindings findings = new();

        private sealed record CentralEntry(string Name, byte[] NameBytes, ushort Flags, ushort Method, uint Crc, long CompressedSize,
            long Size, long LocalOffset);

        public PickleScanStep Run()
        {
            if (view.TotalLength is not { } total)
            {
                findings.Add(PickleRules.ZipUnread, PickleVerdict.Unscannable, "the zip's size is unknown, so its central directory cannot be read");
                return Done("torch-zip", findings, view, 0);
            }
            var endBytes = (int)Math.Min(total, ZipEndBytes);
            if (!Has(total - endBytes, endBytes))
            {
                return new PickleScanNeeds(view.Head.Length, endBytes);
            }
            if (FindEnd(total) is not { } end)
            {
                return Done("torch-zip", findings, view, 0);
            }
            var (centralOffset, centralSize, count) = end;
            if (count > limits.MaxZipEntries || centralSize > limits.MaxPickleBytes)
            {
                findings.Add(PickleRules.Limit, PickleVerdict.Unscannable,
                    string.Create(CultureInfo.InvariantCulture, $"a central directory of {count} entries, {centralSize} bytes"));
                return Done("torch-zip", findings, view, 0);
            }
            if (!Has(centralOffset, total - centralOffset))
            {
                return new PickleScanNeeds(view.Head.Length, total - centralOffset);
            }
            var entries = ReadCentral(centralOffset, centralSize, count);
            if (entries is null)
            {
                return Done("torch-zip", findings, view, 0);
            }
            var centralSha = Sha256(Bytes(centralOffset, total - centralOffset));
            var dataPkl = CheckNames(entries);
            CheckFlags(entries);
            if (CheckLocals(entries, centralOffset) is { } needs)
            {
                return needs;
            }
            if (dataPkl is null)
            {
                return Done("torch-zip", findings, view, 0, centralOffset, centralSha);
            }
            return ScanDataPkl(dataPkl, entries, centralOffset, centralSha);
        }

        private PickleScanStep ScanDataPkl(CentralEntry entry, List<CentralEntry> entries, long centralOffset, string centralSha)
        {
            if (entry.Method != 0)
            {
                findings.Add(PickleRules.ZipMethod, PickleVerdict.Unscannable,
                    $"{entry.Name} is compressed (method {entry.Method}); torch stores it, and the scan reads it only as stored");
                return Done("torch-zip", findings, view, 0, centralOffset, centralSha);
            }
            if (entry.CompressedSize > limits.MaxPickleBytes)
            {
                findings.Add(PickleRules.Limit, PickleVerdict.Unscannable, $"{entry.Name} of {entry.CompressedSize} bytes, over the {limits.MaxPickleBytes}-byte cap");
                return Done("torch-zip", findings, view, 0, centralOffset, centralSha);
            }
            if (!Has(entry.LocalOffset, 30))
            {
                return new PickleScanNeeds(entry.LocalOffset + 30 + entry.NameBytes.Length + 1024 + entry.CompressedSize, view.Tail?.Length ?? 0);
            }
            var local = Bytes(entry.LocalOffset, 30);
            var dataStart = entry.LocalOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(local[26..]) + BinaryPrimitives.ReadUInt16LittleEndian(local[28..]);
            var dataEnd = dataStart + entry.CompressedSize;
            if (dataEnd > limits.MaxPickleBytes + (1L << 20))
            {
                findings.Add(PickleRules.Limit, PickleVerdict.Unscannable,
                    string.Create(CultureInfo.InvariantCulture, $"{entry.Name} ends at byte {dataEnd}, past the bytes the scan may hold"));
                return Done("torch-zip", findings, view, 0, centralOffset, centralSha);
            }
            if (dataEnd > view.Head.Length)
            {
                return new PickleScanNeeds(dataEnd, view.Tail?.Length ?? 0);
            }
            var budget = new PickleBudget(limits);
            var run = PickleMachine.Run(view.Head, (int)dataStart, (int)entry.CompressedSize, complete: true, findings, limits, budget);
            if (run.End == PickleRunEnd.Stopped && run.Length < entry.CompressedSize)
            {
                findings.Add(PickleRules.TrailingBytes, PickleVerdict.Suspicious,
                    $"{entry.CompressedSize - run.Length} bytes after the pickle's STOP in {entry.Name}");
            }
            var crc = Crc32.HashToUInt32(view.Head.AsSpan((int)dataStart, (int)entry.CompressedSize));
            if (crc != entry.Crc)
            {
                // torch ignores CRCs (CVE-2025-10156 used Python's zipfile refusing what torch loads): reported, not trusted.
                findings.Add(PickleRules.ZipCrc, PickleVerdict.Suspicious,
                    string.Create(CultureInfo.InvariantCulture, $"{entry.Name} has CRC 0x{crc:x8}; the central directory says 0x{entry.Crc:x8}"));
            }
            if (run.End == PickleRunEnd.Stopped)
            {
                CheckStorages(run.Storages, entries, PrefixOf(entry.Name));
            }
            return Done("torch-zip", findings, view, dataEnd, centralOffset, centralSha);
        }

        // CVE-2026-24747: a storage whose bytes are fewer than its declared elements need is read past its end.
        private void CheckStorages(IReadOnlyList<StorageReference> storages, List<CentralEntry> entries, string prefix)
        {
            var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                sizes.TryAdd(entry.Name, entry.Size);
            }
            var checkedKeys = new HashSet<(string, Int128)>();
            foreach (var storage in storages)
            {
                if (!checkedKeys.Add((storage.Key, storage.Bytes)))
                {
                    continue;
                }
                var name = prefix + "/data/" + storage.Key;
                if (!sizes.TryGetValue(name, out var size))
                {
                    findings.Add(PickleRules.StorageSize, PickleVerdict.Dangerous, $"storage \"{storage.Key}\" has no entry {name}");
                }
                else if (size != storage.Bytes)
                {
                    findings.Add(PickleRules.StorageSize, PickleVerdict.Dangerous,
                        $"{name} holds {size} bytes; the pickle declares {storage.Numel} × {storage.StorageType} = {storage.Bytes} bytes");
                }
            }
        }

        private static string PrefixOf(string name) => name[..Math.Max(0, name.IndexOf('/', StringComparison.Ordinal))];

        private CentralEntry? CheckNames(List<CentralEntry> entries)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            var dataPkls = new List<CentralEntry>();
            string? prefix = null;
            foreach (var entry in entries)
            {
                var name = entry.Name;
                if (!names.Add(name))
                {
                    findings.Add(PickleRules.ZipDuplicate, PickleVerdict.Dangerous, $"two entries named {name}");
                }
                if (name.Contains("..", StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.StartsWith('/')
                    || name.Contains(':', StringComparison.Ordinal) || name.Any(char.IsControl))
                {
                    findings.Add(PickleRules.ZipUnsafePath, PickleVerdict.Dangerous, $"an entry named \"{new string([.. name.Take(80).Select(c => char.IsControl(c) ? '?' : c)])}\"");
                    continue;
                }
                var slash = name.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0)
                {
                    findings.Add(PickleRules.ZipEntryName, PickleVerdict.Suspicious, $"{name} is outside the archive's folder");
                    continue;
                }
                var top = name[..slash];
                var rest = name[(slash + 1)..];
                if (prefix is null)
                {
                    prefix = top;
                }
                else if (prefix != top)
                {
                    findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, $"entries under two folders, {prefix}/ and {top}/");
                }
                if (rest == "data.pkl")
                {
                    dataPkls.Add(entry);
                }
                else if (rest.StartsWith("code/", StringComparison.Ordinal) || rest is "constants.pkl" or "model.json" or "attributes.pkl"
                    || rest.StartsWith("constants/", StringComparison.Ordinal) || rest.EndsWith(".py", StringComparison.Ordinal)
                    || rest.EndsWith(".pkl", StringComparison.Ordinal))
                {
                    // TorchScript (CVE-2025-32434: torch.load went into torch.jit.load for these) or a second pickle.
                    findings.Add(PickleRules.ZipTorchScript, PickleVerdict.Dangerous, $"{name}: a TorchScript or code entry");
                }
                else if (!IsTorchEntry(rest) && !entry.Name.EndsWith('/'))
                {
                    findings.Add(PickleRules.ZipEntryName, PickleVerdict.Suspicious, $"{name} is not an entry torch.save writes");
                }
            }
            if (dataPkls.Count != 1)
            {
                findings.Add(PickleRules.ZipDataPkl, PickleVerdict.Dangerous, dataPkls.Count == 0
                    ? "no <folder>/data.pkl entry"
                    : $"{dataPkls.Count} data.pkl entries: which one a loader reads is not certain");
            }
            return dataPkls.Count == 0 ? null : dataPkls[0];
        }

        private static bool IsTorchEntry(string rest) =>
            rest is "version" or ".data/version" or "byteorder" or ".format_version" or ".storage_alignment" or ".data/serialization_id"
            || (rest.StartsWith("data/", StringComparison.Ordinal) && rest.Length > 5 && rest.AsSpan(5).IndexOfAnyExcept(KeyCharacters) < 0);

        private static readonly System.Buffers.SearchValues<char> KeyCharacters =
            System.Buffers.SearchValues.Create("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_");

        private void CheckFlags(List<CentralEntry> entries)
        {
            foreach (var entry in entries)
            {
                if ((entry.Flags & 0x2041) != 0)
                {
                    // CVE-2025-1945: an encryption bit made Python's zipfile refuse a member torch's reader still loads.
                    findings.Add(PickleRules.ZipFlags, PickleVerdict.Dangerous,
                        string.Create(CultureInfo.InvariantCulture, $"{entry.Name} has encryption flag bits 0x{entry.Flags & 0x2041:x4}"));
                }
                else if ((entry.Flags & ~0x0808 & 0xFFFF) != 0)
                {
                    findings.Add(PickleRules.ZipFlags, PickleVerdict.Dangerous,
                        string.Create(CultureInfo.InvariantCulture, $"{entry.Name} has flag bits 0x{entry.Flags & ~0x0808 & 0xFFFF:x4} torch never writes"));
                }
                if (entry.Method != 0 && !entry.Name.EndsWith("data.pkl", StringComparison.Ordinal))
                {
                    findings.Add(PickleRules.ZipMethod, PickleVerdict.Suspicious, $"{entry.Name} is compressed (method {entry.Method}); torch stores every entry");
                }
            }
        }

        // The local headers the bytes in hand hold must say what the central directory says (CVE-2025-1944: scanners
        // read local names, torch reads central ones); the first entry must be one the directory lists.
        private PickleScanNeeds? CheckLocals(List<CentralEntry> entries, long centralOffset)
        {
            var byOffset = new Dictionary<long, CentralEntry>();
            foreach (var entry in entries)
            {
                if (!byOffset.TryAdd(entry.LocalOffset, entry))
                {
                    findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, $"two entries share the local header of {entry.Name}");
                }
                if (entry.LocalOffset + 30 + entry.NameBytes.Length + entry.CompressedSize > centralOffset)
                {
                    findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, $"{entry.Name} runs into the central directory");
                }
            }
            if (view.Head.Length >= 4 && !byOffset.ContainsKey(0))
            {
                findings.Add(PickleRules.ZipLocalCentral, PickleVerdict.Dangerous, "the first local entry is not in the central directory");
            }
            var ordered = entries.OrderBy(e => e.LocalOffset).ToList();
            for (var i = 0; i + 1 < ordered.Count; i++)
            {
                if (ordered[i].LocalOffset + 30 + ordered[i].NameBytes.Length + ordered[i].CompressedSize > ordered[i + 1].LocalOffset)
                {
                    findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, $"{ordered[i].Name} overlaps {ordered[i + 1].Name}");
                }
            }
            foreach (var entry in ordered)
            {
                var headerLength = 30 + entry.NameBytes.Length;
                if (!Has(entry.LocalOffset, headerLength))
                {
                    continue; // beyond the bytes read: a download checks the rest as it streams
                }
                var local = Bytes(entry.LocalOffset, headerLength);
                if (!local.StartsWith("PK\x03\x04"u8))
                {
                    findings.Add(PickleRules.ZipLocalCentral, PickleVerdict.Dangerous, $"no local header where the central directory puts {entry.Name}");
                    continue;
                }
                var flags = BinaryPrimitives.ReadUInt16LittleEndian(local[6..]);
                var method = BinaryPrimitives.ReadUInt16LittleEndian(local[8..]);
                var crc = BinaryPrimitives.ReadUInt32LittleEndian(local[14..]);
                long compressed = BinaryPrimitives.ReadUInt32LittleEndian(local[18..]);
                long size = BinaryPrimitives.ReadUInt32LittleEndian(local[22..]);
                var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(local[26..]);
                var differences = new List<string>();
                if (nameLength != entry.NameBytes.Length || !local.Slice(30, Math.Min(nameLength, entry.NameBytes.Length)).SequenceEqual(entry.NameBytes))
                {
                    var localName = Has(entry.LocalOffset + 30, nameLength) ? Printable(Bytes(entry.LocalOffset + 30, nameLength)) : "?";
                    differences.Add($"name \"{localName}\"");
                }
                if (flags != entry.Flags)
                {
                    differences.Add(string.Create(CultureInfo.InvariantCulture, $"flags 0x{flags:x4} vs 0x{entry.Flags:x4}"));
                }
                if (method != entry.Method)
                {
                    differences.Add($"method {method} vs {entry.Method}");
                }
                if ((flags & 0x08) == 0 && compressed != uint.MaxValue
                    && (crc != entry.Crc || compressed != entry.CompressedSize || (size != uint.MaxValue && size != entry.Size)))
                {
                    differences.Add("sizes or CRC");
                }
                if (differences.Count > 0)
                {
                    findings.Add(PickleRules.ZipLocalCentral, PickleVerdict.Dangerous,
                        $"the local header of {entry.Name} differs from the central directory: {string.Join(", ", differences)}");
                }
            }
            return null;
        }

        private static string Printable(ReadOnlySpan<byte> bytes) =>
            new([.. System.Text.Encoding.UTF8.GetString(bytes).Take(80).Select(c => char.IsControl(c) ? '?' : c)]);

        private (long Offset, long Size, long Count)? FindEnd(long total)
        {
            var windowLength = (int)Math.Min(total, ZipEndBytes);
            var window = Bytes(total - windowLength, windowLength);
            for (var i = window.Length - 22; i >= 0; i--)
            {
                if (!window[i..].StartsWith("PK\x05\x06"u8) || i + 22 + BinaryPrimitives.ReadUInt16LittleEndian(window[(i + 20)..]) != window.Length)
                {
                    continue;
                }
                var eocd = window[i..];
                long count = BinaryPrimitives.ReadUInt16LittleEndian(eocd[10..]);
                long size = BinaryPrimitives.ReadUInt32LittleEndian(eocd[12..]);
                long offset = BinaryPrimitives.ReadUInt32LittleEndian(eocd[16..]);
                var eocdPosition = total - windowLength + i;
                var recordEnd = eocdPosition;
                if (i >= 20 && window[(i - 20)..].StartsWith("PK\x06\x07"u8))
                {
                    var recordOffset = BinaryPrimitives.ReadUInt64LittleEndian(window[(i - 12)..]);
                    if (recordOffset > (ulong)(eocdPosition - 20 - 56) || !Has((long)recordOffset, 56)
                        || !Bytes((long)recordOffset, 56).StartsWith("PK\x06\x06"u8))
                    {
                        findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, "a zip64 locator that points at no zip64 end record");
                        return null;
                    }
                    var record = Bytes((long)recordOffset, 56);
                    var count64 = BinaryPrimitives.ReadUInt64LittleEndian(record[32..]);
                    var size64 = BinaryPrimitives.ReadUInt64LittleEndian(record[40..]);
                    var offset64 = BinaryPrimitives.ReadUInt64LittleEndian(record[48..]);
                    if (count64 > int.MaxValue || size64 > long.MaxValue || offset64 > long.MaxValue)
                    {
                        findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, "zip64 end record values out of range");
                        return null;
                    }
                    (count, size, offset) = ((long)count64, (long)size64, (long)offset64);
                    recordEnd = (long)recordOffset;
                }
                if (offset + size > recordEnd || offset < 0)
                {
                    findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, "the central directory lies outside the file");
                    return null;
                }
                return (offset, size, count);
            }
            findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, "no end-of-central-directory record");
            return null;
        }

        private List<CentralEntry>? ReadCentral(long offset, long size, long count)
        {
            var bytes = Bytes(offset, size);
            var entries = new List<CentralEntry>((int)Math.Min(count, 4096));
            var p = 0;
            for (var i = 0; i < count; i++)
            {
                if (p + 46 > bytes.Length || !bytes[p..].StartsWith("PK\x01\x02"u8))
                {
                    findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, "a malformed central directory");
                    return null;
                }
                var record = bytes[p..];
                var flags = BinaryPrimitives.ReadUInt16LittleEndian(record[8..]);
                var method = BinaryPrimitives.ReadUInt16LittleEndian(record[10..]);
                var crc = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
                long compressed = BinaryPrimitives.ReadUInt32LittleEndian(record[20..]);
                long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(record[24..]);
                int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(record[28..]);
                int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(record[30..]);
                int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(record[32..]);
                long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(record[42..]);
                if (p + 46 + nameLength + extraLength + commentLength > bytes.Length)
                {
                    findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, "a central directory entry runs past the directory");
                    return null;
                }
                var name = record.Slice(46, nameLength);
                var extra = record.Slice(46 + nameLength, extraLength);
                if (!ReadZip64(extra, ref uncompressed, ref compressed, ref localOffset))
                {
                    findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, "a zip64 field out of range");
                    return null;
                }
                entries.Add(new CentralEntry(System.Text.Encoding.UTF8.GetString(name), name.ToArray(), flags, method, crc, compressed,
                    uncompressed, localOffset));
                p += 46 + nameLength + extraLength + commentLength;
            }
            if (p != bytes.Length)
            {
                findings.Add(PickleRules.ZipStructure, PickleVerdict.Dangerous, "bytes in the central directory that no entry accounts for");
            }
            return entries;
        }

        private static bool ReadZip64(ReadOnlySpan<byte> extra, ref long size, ref long compressed, ref long offset)
        {
            while (extra.Length >= 4)
            {
                var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
                int length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
                if (length > extra.Length - 4)
                {
                    return true;
                }
                if (id == 0x0001)
                {
                    var field = extra.Slice(4, length);
                    if (!Next(ref field, ref size) || !Next(ref field, ref compressed) || !Next(ref field, ref offset))
                    {
                        return false;
                    }
                    return true;
                }
                extra = extra[(4 + length)..];
            }
            return true;
        }

        private static bool Next(ref ReadOnlySpan<byte> field, ref long value)
        {
            if (value != uint.MaxValue)
            {
                return true;
            }
            if (field.Length < 8)
            {
                return false;
            }
            var wide = BinaryPrimitives.ReadUInt64LittleEndian(field);
            field = field[8..];
            if (wide > long.MaxValue)
            {
                return false;
            }
            value = (long)wide;
            return true;
        }

        // The bytes from the head or the tail, whichever holds them.
        private bool Has(long offset, long length)
        {
            if (offset < 0 || length < 0)
            {
                return false;
            }
            if (offset + length <= view.Head.Length)
            {
                return true;
            }
            return view.Tail is { } tail && view.TotalLength is { } total && offset >= total - tail.Length && offset + length <= total;
        }

        private ReadOnlySpan<byte> Bytes(long offset, long length)
        {
            if (offset + length <= view.Head.Length)
            {
                return view.Head.AsSpan((int)offset, (int)length);
            }
            var tailStart = view.TotalLength!.Value - view.Tail!.Length;
            return view.Tail.AsSpan((int)(offset - tailStart), (int)length);
        }
    }
}
