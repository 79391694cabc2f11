using System.Buffers.Binary;
using ModelGateway.Policies;

namespace ModelGateway.Sniffing;

/// <summary>
/// PyTorch and pickle files (picklescan's rules): a ZIP whose entries include <c>…/data.pkl</c> (or a member that
/// is itself a pickle), a raw pickle starting with PROTO 2–5, or a legacy <c>torch.save</c> stream opening with
/// its magic number. Any other ZIP is <see cref="ModelFormat.Other"/>.
/// </summary>
internal static class PickleSniffer
{
    private static ReadOnlySpan<byte> LocalHeader => "PK\x03\x04"u8;

    // torch/serialization.py MAGIC_NUMBER 0x1950a86a20f9469cfc6c as pickle protocols 0 and 1 write it (LONG opcode).
    private static ReadOnlySpan<byte> LegacyTorchMagicText => "L119547037146038801333356L\n."u8;

    // The same number as protocol 2 writes it: PROTO 2, LONG1 of 10 bytes.
    private static ReadOnlySpan<byte> LegacyTorchMagicBinary =>
        [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E];

    /// <summary>ZIP local file header or empty-archive signature.</summary>
    public static bool IsZip(ReadOnlySpan<byte> head) => head.StartsWith(LocalHeader) || head.StartsWith("PK\x05\x06"u8);

    /// <summary>PROTO opcode with protocol 2–5.</summary>
    public static bool IsPickle(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5;

    public static bool IsLegacyTorch(ReadOnlySpan<byte> head) =>
        head.StartsWith(LegacyTorchMagicBinary) || head.StartsWith(LegacyTorchMagicText);

    /// <summary>Sniffs a raw pickle or a legacy torch file.</summary>
    public static SniffResult SniffPickle(ReadOnlySpan<byte> head)
    {
        if (IsLegacyTorch(head))
        {
            return SniffResult.Of(ModelFormat.PickleTensor, "torch-legacy");
        }
        return IsPickle(head) ? SniffResult.Of(ModelFormat.PickleTensor, $"pickle-{head[1]}") : SniffResult.Unrecognised;
    }

    /// <summary>Walks the ZIP local file headers present in the head.</summary>
    /// <param name="wholeFile">The head is the entire file, so running out of bytes means the archive ended.</param>
    public static SniffResult SniffZip(ReadOnlySpan<byte> head, bool wholeFile)
    {
        if (head.StartsWith("PK\x05\x06"u8))
        {
            return SniffResult.Of(ModelFormat.Other, "zip");
        }
        var offset = 0;
        var entries = 0;
        while (offset <= head.Length - 30 && head[offset..].StartsWith(LocalHeader))
        {
            var header = head.Slice(offset, 30);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
            var method = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
            long compressedSize = BinaryPrimitives.ReadUInt32LittleEndian(header[18..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[26..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
            var nameStart = offset + 30;
            if (nameStart + nameLength > head.Length)
            {
                break;
            }
            entries++;
            var name = head.Slice(nameStart, nameLength);
            if (IsPickleName(name))
            {
                return SniffResult.Of(ModelFormat.PickleTensor, name.EndsWith("data.pkl"u8) ? "pytorch-zip" : "zip-pickle");
            }
            var dataStart = (long)nameStart + nameLength + extraLength;
            if (method == 0 && dataStart + 2 <= head.Length && IsPickle(head[(int)dataStart..]))
            {
                return SniffResult.Of(ModelFormat.PickleTensor, "zip-pickle"); // a stored member that is a pickle
            }
            if (compressedSize == uint.MaxValue && dataStart <= head.Length)
            {
                compressedSize = Zip64CompressedSize(head.Slice(nameStart + nameLength, Math.Min(extraLength, head.Length - nameStart - nameLength)));
            }
            if ((flags & 0x08) != 0 && compressedSize == 0)
            {
                break; // sizes follow the data (data descriptor): the next header cannot be found from here
            }
            var next = dataStart + compressedSize;
            if (compressedSize < 0 || next > head.Length)
            {
                break;
            }
            offset = (int)next;
        }
        if (entries == 0 && !wholeFile)
        {
            return SniffResult.Undetermined;
        }
        return SniffResult.Of(ModelFormat.Other, "zip");
    }

    // ZIP64 extended information extra field (0x0001): uncompressed size, then compressed size.
    private static long Zip64CompressedSize(ReadOnlySpan<byte> extra)
    {
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (size > extra.Length - 4)
            {
                break;
            }
            if (id == 0x0001 && size >= 16)
            {
                var value = BinaryPrimitives.ReadUInt64LittleEndian(extra[12..]);
                return value <= long.MaxValue ? (long)value : -1;
            }
            extra = extra[(4 + size)..];
        }
        return -1;
    }

    private static bool IsPickleName(ReadOnlySpan<byte> name) =>
        name.EndsWith(".pkl"u8) || name.EndsWith(".pickle"u8);
}
