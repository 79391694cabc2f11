using System.Buffers.Binary;
using System.Globalization;
using ModelGateway.Policies;

namespace ModelGateway.PickleScan;

internal static partial class PickleFileScanner
{
    private sealed partial class ZipScan
    {
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
