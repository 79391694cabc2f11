using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using ModelGateway.Policies;
using ModelGateway.Previews;
using ModelGateway.Sources;

namespace ModelGateway.Sniffing;

/// <summary>
/// safetensors: a little-endian u64 header length N, then N bytes of JSON starting with <c>{</c> (tensor name →
/// dtype, shape, data_offsets; optional <c>__metadata__</c> string map), then the tensor bytes.
/// </summary>
internal static partial class SafeTensorSniffer
{
    /// <summary>The most <c>ContentCheck:MaxHeaderBytes</c> may allow (the Hugging Face clients' limit).</summary>
    public const int MaxHeaderBytesLimit = 25_000_000;

    /// <summary>Largest header the reference implementation accepts; above it the file is not safetensors at all.</summary>
    public const long SpecMaxHeaderBytes = 100_000_000;

    private const int MaxTextLength = 512;

    /// <summary>Whether the head starts like a safetensors file: a plausible header length followed by <c>{</c>.</summary>
    public static bool LooksLike(ReadOnlySpan<byte> head) =>
        head.Length > 8 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) is >= 2 and <= SpecMaxHeaderBytes;

    /// <summary>Sniffs a head that <see cref="LooksLike"/> a safetensors file.</summary>
    public static SniffResult Sniff(ReadOnlySpan<byte> head, long? totalSize, SniffLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (!LooksLike(head))
        {
            return SniffResult.Unrecognised;
        }
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(head);
        if (totalSize is { } size && 8 + headerLength > size)
        {
            return SniffResult.Unrecognised; // the header claims more bytes than the file has
        }
        if (headerLength > limits.MaxHeaderBytes)
        {
            return SniffResult.Undetermined; // plausible, but larger than the check may read
        }
        if (head.Length < 8 + headerLength)
        {
            return SniffResult.More(8 + headerLength);
        }
        long? dataSize = totalSize is { } total ? total - 8 - headerLength : null;
        return ParseHeader(head.Slice(8, (int)headerLength), dataSize, limits.Previews) ?? SniffResult.Unrecognised;
    }

    private static SniffResult? ParseHeader(ReadOnlySpan<byte> json, long? dataSize, PreviewLimits previews)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            var metadata = new Metadata(previews);
            var names = new TensorNames();
            long maxEnd = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("__metadata__"u8))
                {
                    if (!reader.Read() || !ReadMetadata(ref reader, metadata))
                    {
                        return null;
                    }
                    continue;
                }
                names.Add(ref reader);
                if (!reader.Read() || ReadTensor(ref reader, dataSize) is not { } end)
                {
                    return null;
                }
                maxEnd = Math.Max(maxEnd, end);
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return null;
            }
            if (dataSize is { } size && maxEnd != size)
            {
                return null; // the reference implementation rejects a byte buffer with trailing bytes
            }
            return SniffResult.Of(ModelFormat.SafeTensor, "safetensors") with
            {
                Title = metadata.Title,
                Thumbnail = metadata.Thumbnail,
                Folder = ModelFolderGuess.FromArchitecture(metadata.Architecture) ?? names.Folder(),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // "__metadata__": a string-to-string map; any other value makes the header invalid.
    private static bool ReadMetadata(ref Utf8JsonReader reader, Metadata metadata)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.ValueTextEquals("modelspec.title"u8) ? 1
                : reader.ValueTextEquals("modelspec.architecture"u8) ? 2
                : reader.ValueTextEquals("modelspec.thumbnail"u8) ? 3
                : 0;
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return false;
            }
            switch (key)
            {
                case 1:
                    metadata.Title = Text(ref reader);
                    break;
                case 2:
                    metadata.Architecture = Text(ref reader);
                    break;
                case 3:
                    metadata.Thumbnail = Thumbnail(ref reader, metadata.Previews);
                    break;
            }
        }
        return reader.TokenType == JsonTokenType.EndObject;
    }

    // {"dtype": "F16", "shape": [..], "data_offsets": [begin, end]}; returns end, or null when invalid.
    private static long? ReadTensor(ref Utf8JsonReader reader, long? dataSize)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }
        bool hasDtype = false, hasShape = false;
        long? begin = null, end = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("dtype"u8))
            {
                hasDtype = reader.Read() && reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length is > 0 and < 32;
                if (!hasDtype)
                {
                    return null;
                }
            }
            else if (reader.ValueTextEquals("shape"u8))
            {
                hasShape = reader.Read() && ReadShape(ref reader);
                if (!hasShape)
                {
                    return null;
                }
            }
            else if (reader.ValueTextEquals("data_offsets"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray
                    || !ReadOffset(ref reader, out var first) || !ReadOffset(ref reader, out var second)
                    || !reader.Read() || reader.TokenType != JsonTokenType.EndArray)
                {
                    return null;
                }
                (begin, end) = (first, second);
            }
            else
            {
                return null; // the format has exactly these three fields
            }
        }
        if (!hasDtype || !hasShape || begin is not { } b || end is not { } e || b > e || (dataSize is { } size && e > size))
        {
            return null;
        }
        return e;
    }

    private static bool ReadShape(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.Number)
        {
            if (!reader.TryGetInt64(out var dimension) || dimension < 0)
            {
                return false;
            }
        }
        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool ReadOffset(ref Utf8JsonReader reader, out long offset)
    {
        offset = 0;
        return reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out offset) && offset >= 0;
    }

    // A bounded prefix of a string value, never a copy of all of it: a header may hold megabytes in one value.
    private static string? Text(ref Utf8JsonReader reader)
    {
        const int maxBytes = MaxTextLength * 4;
        if (!reader.ValueIsEscaped)
        {
            var raw = reader.ValueSpan;
            return DisplayText.Clean(Encoding.UTF8.GetString(raw[..Math.Min(raw.Length, maxBytes)]), MaxTextLength);
        }
        // Unescaping has no bounded form: a value too long to be an honest title is dropped, not copied whole.
        return reader.ValueSpan.Length > 6 * maxBytes
            ? null
            : WithUnescaped(ref reader, static text => DisplayText.Clean(Encoding.UTF8.GetString(text[..Math.Min(text.Length, maxBytes)]), MaxTextLength));
    }

    // modelspec.thumbnail: decoded and checked straight from the header's bytes (no string of it is made).
    private static string? Thumbnail(ref Utf8JsonReader reader, PreviewLimits limits)
    {
        // The longest data URL an image within the byte cap can have (with room for its "data:image/…;base64," prefix),
        // six times over when escaped ("+" may be written \u002B): anything longer is not even unescaped.
        var longest = ((limits.MaxBytes + 2) / 3 * 4) + 256;
        if (reader.ValueSpan.Length > (reader.ValueIsEscaped ? 6 * longest : longest))
        {
            return null;
        }
        return reader.ValueIsEscaped
            ? WithUnescaped(ref reader, text => PreviewImages.FromDataUrl(text, limits))
            : PreviewImages.FromDataUrl(reader.ValueSpan, limits);
    }

    // The string value unescaped into a pooled buffer (never longer than its escaped form).
    private static string? WithUnescaped(ref Utf8JsonReader reader, ReadText read)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            var length = reader.CopyString(buffer);
            return read(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private delegate string? ReadText(ReadOnlySpan<byte> utf8);

    private sealed class Metadata(PreviewLimits previews)
    {
        public PreviewLimits Previews { get; } = previews;

        public string? Title { get; set; }

        public string? Architecture { get; set; }

        public string? Thumbnail { get; set; }
    }
}
