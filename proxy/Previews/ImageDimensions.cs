using System.Buffers.Binary;

namespace ModelGateway.Previews;

/// <summary>
/// Reads an image's width and height from its header bytes without decoding it: PNG (IHDR), JPEG (the first SOF
/// segment), GIF (the logical screen and every frame's extent), WebP (VP8, VP8L, VP8X) and AVIF (the largest
/// <c>ispe</c> property). Every offset is checked against the bytes at hand; anything unreadable is null.
/// </summary>
internal static class ImageDimensions
{
    /// <summary>The dimensions of an image of <paramref name="subtype"/> (as <see cref="PreviewImages.DetectSubtype"/> names it), or null.</summary>
    public static (long Width, long Height)? Read(ReadOnlySpan<byte> bytes, string subtype)
    {
        var dimensions = subtype switch
        {
            "png" => Png(bytes),
            "jpeg" => Jpeg(bytes),
            "gif" => Gif(bytes),
            "webp" => Webp(bytes),
            "avif" => Avif(bytes),
            _ => null,
        };
        return dimensions is { Width: > 0, Height: > 0 } ? dimensions : null;
    }

    // Signature (8), then the IHDR chunk: length (4), "IHDR", width (4, big-endian), height (4).
    private static (long Width, long Height)? Png(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 24 && bytes[12..16].SequenceEqual("IHDR"u8)
            ? (BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]), BinaryPrimitives.ReadUInt32BigEndian(bytes[20..]))
            : null;

    private static (long Width, long Height)? Jpeg(ReadOnlySpan<byte> bytes)
    {
        var i = 2; // after SOI
        while (i + 4 <= bytes.Length)
        {
            if (bytes[i] != 0xFF)
            {
                return null;
            }
            var marker = bytes[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD8))
            {
                i += 2; // standalone markers carry no length
                continue;
            }
            if (marker is 0xD9 or 0xDA)
            {
                return null; // end of image or start of scan before any frame header
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 2)..]);
            // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC): length, precision, height, width.
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                return i + 9 <= bytes.Length
                    ? (BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 5)..]))
                    : null;
            }
            if (length < 2)
            {
                return null;
            }
            i += 2 + length;
        }
        return null;
    }

    // The logical screen, widened by any frame that reaches beyond it (decoders differ on clipping such frames).
    private static (long Width, long Height)? Gif(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 13)
        {
            return null;
        }
        long width = BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..]);
        long height = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
        var i = 13 + ColorTableLength(bytes[10]);
        while (i < bytes.Length)
        {
            switch (bytes[i])
            {
                case 0x3B: // trailer
                    return (width, height);
                case 0x21: // extension: label, then data sub-blocks
                    i = SkipSubBlocks(bytes, i + 2);
                    break;
                case 0x2C when i + 10 <= bytes.Length: // image descriptor: left, top, width, height, flags
                    width = Math.Max(width, BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i + 1)..]) + (long)BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i + 5)..]));
                    height = Math.Max(height, BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i + 3)..]) + (long)BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i + 7)..]));
                    i = SkipSubBlocks(bytes, i + 10 + ColorTableLength(bytes[i + 9]) + 1); // + LZW minimum code size
                    break;
                default:
                    return null;
            }
            if (i < 0)
            {
                return null;
            }
        }
        return null; // no trailer: a frame may lie beyond the bytes given
    }

    private static int ColorTableLength(byte flags) => (flags & 0x80) == 0 ? 0 : 3 << ((flags & 0x07) + 1);

    // Data sub-blocks: a length byte, that many bytes, until a zero length. The index after them, or -1.
    private static int SkipSubBlocks(ReadOnlySpan<byte> bytes, int i)
    {
        while (i < bytes.Length)
        {
            var length = bytes[i];
            i += 1 + length;
            if (length == 0)
            {
                return i;
            }
        }
        return -1;
    }

    private static (long Width, long Height)? Webp(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 30)
        {
            return null;
        }
        var chunk = bytes[12..16];
        if (chunk.SequenceEqual("VP8 "u8))
        {
            // Frame tag (3), start code 9D 01 2A, then 14-bit width and height (2 scaling bits above each).
            return bytes[23] == 0x9D && bytes[24] == 0x01 && bytes[25] == 0x2A
                ? (BinaryPrimitives.ReadUInt16LittleEndian(bytes[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(bytes[28..]) & 0x3FFF)
                : null;
        }
        if (chunk.SequenceEqual("VP8L"u8))
        {
            // Signature 0x2F, then 14 bits width - 1 and 14 bits height - 1.
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(bytes[21..]);
            return bytes[20] == 0x2F ? ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1) : null;
        }
        if (chunk.SequenceEqual("VP8X"u8))
        {
            // Flags (4), then 24-bit canvas width - 1 and height - 1.
            return (ReadUInt24(bytes[24..]) + 1, ReadUInt24(bytes[27..]) + 1);
        }
        return null;
    }

    private static long ReadUInt24(ReadOnlySpan<byte> bytes) => bytes[0] | (bytes[1] << 8) | (bytes[2] << 16);

    // ISO BMFF: meta (a full box) → iprp → ipco → ispe (a full box: width, height), the largest of them.
    private static (long Width, long Height)? Avif(ReadOnlySpan<byte> bytes)
    {
        if (!FindBox(bytes, "meta"u8, out var meta) || meta.Length < 4
            || !FindBox(bytes.Slice(meta.Start + 4, meta.Length - 4), "iprp"u8, out var iprp))
        {
            return null;
        }
        var properties = bytes.Slice(meta.Start + 4, meta.Length - 4).Slice(iprp.Start, iprp.Length);
        if (!FindBox(properties, "ipco"u8, out var ipco))
        {
            return null;
        }
        var boxes = properties.Slice(ipco.Start, ipco.Length);
        (long Width, long Height)? largest = null;
        for (var offset = 0; NextBox(boxes, offset, out var type, out var body, out offset);)
        {
            if (boxes.Slice(type, 4).SequenceEqual("ispe"u8) && body.Length >= 12)
            {
                var ispe = boxes.Slice(body.Start, body.Length);
                long width = BinaryPrimitives.ReadUInt32BigEndian(ispe[4..]);
                long height = BinaryPrimitives.ReadUInt32BigEndian(ispe[8..]);
                if (largest is not { } l || width * height > l.Width * l.Height)
                {
                    largest = (width, height);
                }
            }
        }
        return largest;
    }

    // The body (start and length within `boxes`) of the first box of type `wanted`.
    private static bool FindBox(ReadOnlySpan<byte> boxes, ReadOnlySpan<byte> wanted, out (int Start, int Length) body)
    {
        for (var offset = 0; NextBox(boxes, offset, out var type, out body, out offset);)
        {
            if (boxes.Slice(type, 4).SequenceEqual(wanted))
            {
                return true;
            }
        }
        body = default;
        return false;
    }

    // The box at `offset`: where its type and body are, and where the next box starts; false at the end or on a box
    // that does not fit.
    private static bool NextBox(ReadOnlySpan<byte> boxes, int offset, out int type, out (int Start, int Length) body, out int next)
    {
        type = next = 0;
        body = default;
        var rest = boxes.Length - offset;
        if (rest < 8)
        {
            return false;
        }
        long size = BinaryPrimitives.ReadUInt32BigEndian(boxes[offset..]);
        var header = 8;
        if (size == 1)
        {
            if (rest < 16)
            {
                return false;
            }
            size = (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(boxes[(offset + 8)..]), long.MaxValue);
            header = 16;
        }
        else if (size == 0)
        {
            size = rest; // to the end
        }
        if (size < header || size > rest)
        {
            return false;
        }
        type = offset + 4;
        body = (offset + header, (int)size - header);
        next = offset + (int)size;
        return true;
    }
}
