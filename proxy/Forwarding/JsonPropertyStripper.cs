using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ModelGateway.Forwarding;

/// <summary>
/// Copies a JSON document from one stream to another without the properties of the given names, wherever they appear,
/// token by token: memory is bounded by the largest single token (<see cref="MaxTokenBytes"/>), never by the document,
/// so a tree listing of any length streams through. What it writes is the same JSON, re-serialised compactly.
/// </summary>
internal static class JsonPropertyStripper
{
    /// <summary>The longest single token (a string, a number) accepted; a longer one fails the copy.</summary>
    public const int MaxTokenBytes = 1024 * 1024;

    private const int ChunkBytes = 64 * 1024;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // the text is passed on, never embedded in HTML
        SkipValidation = true, // the reader has validated the structure
    };

    /// <summary>Copies <paramref name="input"/> to <paramref name="output"/> without <paramref name="names"/>.</summary>
    /// <exception cref="JsonException">The input is not JSON, or a token is longer than <see cref="MaxTokenBytes"/>.</exception>
    public static async Task CopyAsync(Stream input, Stream output, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(names);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            await using var writer = new Utf8JsonWriter(output, WriterOptions);
            var state = new Progress(new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip }));
            var filled = 0;
            var final = false;
            while (!final)
            {
                if (filled == buffer.Length)
                {
                    buffer = Grow(buffer, filled);
                }
                var read = await input.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                final = read == 0;
                filled += read;
                var consumed = Process(buffer.AsSpan(0, filled), final, ref state, writer, names);
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (writer.BytesPending >= ChunkBytes)
                {
                    await writer.FlushAsync(cancellationToken);
                }
            }
            if (filled > 0 || state.SkipDepth >= 0 || state.SkipNext || writer.CurrentDepth != 0)
            {
                throw new JsonException("The JSON answer ended early.");
            }
            await writer.FlushAsync(cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Grow(byte[] buffer, int filled)
    {
        if (buffer.Length >= MaxTokenBytes)
        {
            throw new JsonException($"A JSON token is longer than {MaxTokenBytes} bytes.");
        }
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxTokenBytes));
        buffer.AsSpan(0, filled).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    /// <summary>Reads every complete token of <paramref name="data"/>, writes those kept; returns the bytes consumed.</summary>
    private static int Process(ReadOnlySpan<byte> data, bool final, ref Progress progress, Utf8JsonWriter writer, IReadOnlyList<string> names)
    {
        var reader = new Utf8JsonReader(data, final, progress.Reader);
        while (reader.Read())
        {
            var token = reader.TokenType;
            if (progress.SkipDepth >= 0)
            {
                // Inside a removed object or array: drop everything until it closes.
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == progress.SkipDepth)
                {
                    progress.SkipDepth = -1;
                }
                continue;
            }
            if (progress.SkipNext)
            {
                progress.SkipNext = false;
                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    progress.SkipDepth = reader.CurrentDepth;
                }
                continue;
            }
            switch (token)
            {
                case JsonTokenType.PropertyName when names.Contains(reader.GetString()!):
                    progress.SkipNext = true;
                    break;
                case JsonTokenType.PropertyName:
                    writer.WritePropertyName(reader.GetString()!);
                    break;
                case JsonTokenType.StartObject:
                    writer.WriteStartObject();
                    break;
                case JsonTokenType.EndObject:
                    writer.WriteEndObject();
                    break;
                case JsonTokenType.StartArray:
                    writer.WriteStartArray();
                    break;
                case JsonTokenType.EndArray:
                    writer.WriteEndArray();
                    break;
                case JsonTokenType.String:
                    writer.WriteStringValue(reader.GetString());
                    break;
                case JsonTokenType.Number:
                    writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True or JsonTokenType.False:
                    writer.WriteBooleanValue(token == JsonTokenType.True);
                    break;
                case JsonTokenType.Null:
                    writer.WriteNullValue();
                    break;
            }
        }
        progress.Reader = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    /// <summary>Where the copy is between chunks: the reader's state, and whether a removed property's value is being dropped.</summary>
    private struct Progress(JsonReaderState reader)
    {
        public JsonReaderState Reader = reader;
        public bool SkipNext;
        public int SkipDepth = -1;
    }
}
