using System.Buffers.Binary;
using System.Text.Json;
using ModelGateway.Policies;
using ModelGateway.Sources;

namespace ModelGateway.Sniffing;

/// <summary>
/// safetensors: a little-endian u64 header length N, then N bytes of JSON starting with <c>{</c> (tensor name →
/// dtype, shape, data_offsets; optional <c>__metadata__</c> string map), then the tensor bytes.
/// </summary>
internal static class SafeTensorSniffer
{
    /// <summary>Largest header the gateway reads (the Hugging Face clients' limit).</summary>
    public const int MaxHeaderBytes = 25_000_000;

    /// <summary>Largest header the reference implementation accepts; above it the file is not safetensors at all.</summary>
    public const long SpecMaxHeaderBytes = 100_000_000;

    private const int MaxTextLength = 512;

    /// <summary>Whether the head starts like a safetensors file: a plausible header length followed by <c>{</c>.</summary>
    public static bool LooksLike(ReadOnlySpan<byte> head) =>
        head.Length > 8 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) is >= 2 and <= SpecMaxHeaderBytes;

    /// <summary>Sniffs a head that <see cref="LooksLike"/> a safetensors file.</summary>
    public static SniffResult Sniff(ReadOnlySpan<byte> head, long? totalSize)
    {
        if (!LooksLike(head))
        {
            return SniffResult.Unrecognised;
        }
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(head);
        if (totalSize is { } size && 8 + headerLength > size)
        {
            return SniffResult.Unrecognised; // the header claims more bytes than the file has
        }
        if (headerLength > MaxHeaderBytes)
        {
            return SniffResult.Undetermined; // plausible, but too large to read and check
        }
        if (head.Length < 8 + headerLength)
        {
            return SniffResult.More(8 + headerLength);
        }
        long? dataSize = totalSize is { } total ? total - 8 - headerLength : null;
        return ParseHeader(head.Slice(8, (int)headerLength), dataSize) ?? SniffResult.Unrecognised;
    }

    private static SniffResult? ParseHeader(ReadOnlySpan<byte> json, long? dataSize)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            var metadata = new Metadata();
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
                    metadata.Title = Text(reader.GetString());
                    break;
                case 2:
                    metadata.Architecture = Text(reader.GetString());
                    break;
                case 3 when reader.ValueSpan.Length <= 2 * 1024 * 1024:
                    metadata.Thumbnail = reader.GetString();
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

    private static string? Text(string? value) => DisplayText.Clean(value, MaxTextLength);

    private sealed class Metadata
    {
        public string? Title { get; set; }

        public string? Architecture { get; set; }

        public string? Thumbnail { get; set; }
    }

    /// <summary>What the tensor names say about the model kind, kept as flags (no name is stored).</summary>
    private struct TensorNames
    {
        private int _count;
        private bool _lora;
        private bool _embedding;
        private bool _diffusionModel;
        private bool _allVae;
        private bool _decoder;

        public void Add(ref Utf8JsonReader reader)
        {
            Span<byte> buffer = stackalloc byte[256];
            var name = reader.ValueIsEscaped || reader.ValueSpan.Length > buffer.Length
                ? buffer[..Copy(ref reader, buffer)]
                : reader.ValueSpan;
            _allVae = (_count == 0 || _allVae) && ModelFolderGuess.IsVaeTensor(name);
            _count++;
            _lora |= ModelFolderGuess.IsLoraTensor(name);
            _embedding |= ModelFolderGuess.IsEmbeddingTensor(name);
            _diffusionModel |= name.StartsWith("model.diffusion_model."u8);
            _decoder |= name.StartsWith("decoder."u8);
        }

        public readonly string? Folder() =>
            _lora ? ModelFolders.Loras
            : _diffusionModel ? ModelFolders.Checkpoints
            : _count > 0 && _allVae && _decoder ? ModelFolders.Vae // a decoder: T5 encoders also have "encoder." keys
            : _embedding ? ModelFolders.Embeddings
            : null;

        // A name longer than the buffer is only ever compared by its prefix, so a truncated copy is enough.
        private static int Copy(ref Utf8JsonReader reader, scoped Span<byte> buffer)
        {
            if (!reader.ValueIsEscaped)
            {
                reader.ValueSpan[..buffer.Length].CopyTo(buffer);
                return buffer.Length;
            }
            var text = reader.GetString() ?? string.Empty;
            var length = Math.Min(text.Length, buffer.Length / 4);
            return System.Text.Encoding.UTF8.GetBytes(text.AsSpan(0, length), buffer);
        }
    }
}
