using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using ModelGateway.Policies;

namespace ModelGateway.PickleScan;

internal static partial class PickleFileScanner
{
    /// <summary>A torch zip, judged by its central directory (what torch's reader uses) and checked against its local headers.</summary>
    private sealed partial class ZipScan(PickleFileView view, PickleScanLimits limits)
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
    }
}
