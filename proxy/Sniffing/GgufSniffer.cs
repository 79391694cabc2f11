using System.Buffers.Binary;
using System.Text;
using ModelGateway.Policies;
using ModelGateway.Sources;

namespace ModelGateway.Sniffing;

/// <summary>
/// GGUF (<c>ggml/docs/gguf.md</c>): magic <c>GGUF</c>, u32 version, u64 tensor_count, u64 metadata_kv_count, then
/// key/value pairs. Reads <c>general.name</c> and <c>general.architecture</c>; every length is checked against the
/// bytes at hand before it is used, nothing is allocated from a claimed length.
/// </summary>
internal static class GgufSniffer
{
    private const int MaxTextLength = 512;
    private const int MaxArrayDepth = 4;

    public static bool LooksLike(ReadOnlySpan<byte> head) => head.StartsWith("GGUF"u8);

    public static SniffResult Sniff(ReadOnlySpan<byte> head)
    {
        if (!LooksLike(head))
        {
            return SniffResult.Unrecognised;
        }
        if (head.Length < 8)
        {
            return SniffResult.Undetermined;
        }
        var version = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
        if (version is 0 or > 3)
        {
            return SniffResult.Unrecognised;
        }
        var result = SniffResult.Of(ModelFormat.GGUF, $"gguf-{version}");
        if (version == 1)
        {
            return result; // v1 used 32-bit counts and lengths; too old to be worth reading further
        }

        var reader = new Reader(head[8..]);
        string? name = null, architecture = null;
        if (reader.U64(out _) && reader.U64(out var kvCount))
        {
            for (ulong i = 0; i < kvCount && (name is null || architecture is null); i++)
            {
                if (!reader.StringSpan(out var key) || !reader.U32(out var type))
                {
                    break;
                }
                var wanted = key.SequenceEqual("general.name"u8) ? 1 : key.SequenceEqual("general.architecture"u8) ? 2 : 0;
                if (wanted != 0 && type == 8)
                {
                    if (!reader.StringSpan(out var value))
                    {
                        break;
                    }
                    if (wanted == 1)
                    {
                        name = Text(value);
                    }
                    else
                    {
                        architecture = Text(value);
                    }
                }
                else if (!reader.SkipValue(type, 0))
                {
                    break;
                }
            }
        }
        return result with
        {
            Title = name,
            Folder = ModelFolderGuess.FromGgufArchitecture(architecture),
        };
    }

    // Only a bounded prefix is decoded, whatever length the file claims.
    private static string? Text(ReadOnlySpan<byte> utf8) =>
        DisplayText.Clean(Encoding.UTF8.GetString(utf8.Length <= MaxTextLength * 4 ? utf8 : utf8[..(MaxTextLength * 4)]), MaxTextLength);

    /// <summary>A cursor over the head; every read fails (returns false) instead of running past the end.</summary>
    private ref struct Reader(ReadOnlySpan<byte> buffer)
    {
        private ReadOnlySpan<byte> _rest = buffer;

        public bool U32(out uint value)
        {
            value = 0;
            if (_rest.Length < 4)
            {
                return false;
            }
            value = BinaryPrimitives.ReadUInt32LittleEndian(_rest);
            _rest = _rest[4..];
            return true;
        }

        public bool U64(out ulong value)
        {
            value = 0;
            if (_rest.Length < 8)
            {
                return false;
            }
            value = BinaryPrimitives.ReadUInt64LittleEndian(_rest);
            _rest = _rest[8..];
            return true;
        }

        public bool StringSpan(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (!U64(out var length) || length > (ulong)_rest.Length)
            {
                return false;
            }
            value = _rest[..(int)length];
            _rest = _rest[(int)length..];
            return true;
        }

        public bool Skip(ulong count)
        {
            if (count > (ulong)_rest.Length)
            {
                return false;
            }
            _rest = _rest[(int)count..];
            return true;
        }

        public bool SkipValue(uint type, int depth) => type switch
        {
            0 or 1 or 7 => Skip(1), // u8, i8, bool
            2 or 3 => Skip(2), // u16, i16
            4 or 5 or 6 => Skip(4), // u32, i32, f32
            10 or 11 or 12 => Skip(8), // u64, i64, f64
            8 => StringSpan(out _),
            9 => depth < MaxArrayDepth && SkipArray(depth + 1),
            _ => false, // unknown type: the rest cannot be parsed
        };

        private bool SkipArray(int depth)
        {
            if (!U32(out var itemType) || !U64(out var count))
            {
                return false;
            }
            var fixedSize = itemType switch
            {
                0 or 1 or 7 => 1UL,
                2 or 3 => 2UL,
                4 or 5 or 6 => 4UL,
                10 or 11 or 12 => 8UL,
                _ => 0UL,
            };
            if (fixedSize > 0)
            {
                return count <= (ulong)_rest.Length / fixedSize && Skip(count * fixedSize);
            }
            // Strings take at least 8 bytes and arrays at least 12, so a count above this cannot be in the buffer.
            if (count > (ulong)_rest.Length / 8)
            {
                return false;
            }
            for (ulong i = 0; i < count; i++)
            {
                if (!SkipValue(itemType, depth))
                {
                    return false;
                }
            }
            return true;
        }
    }
}
