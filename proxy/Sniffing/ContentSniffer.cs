using ModelGateway.Policies;

namespace ModelGateway.Sniffing;

/// <summary>
/// Tells a file's true format from its first bytes, trying the most specific signatures first (GGUF magic, zip,
/// pickle, safetensors' length prefix). Pure: no I/O, never throws, allocates only the few strings it extracts,
/// whatever lengths the bytes claim.
/// </summary>
internal static class ContentSniffer
{
    /// <summary>The head to read first (as the Hugging Face clients do).</summary>
    public const int HeadBytes = 100 * 1024;

    // Fewer bytes cannot hold any signature's decisive part (a safetensors length and its "{").
    private const int MinDecisiveBytes = 9;

    /// <param name="head">The file's first bytes (maybe all of them).</param>
    /// <param name="totalSize">The file's size when known; checks header lengths and tells when the head is the whole file.</param>
    /// <param name="fileName">The file's name: ONNX has no magic, so only its extension can name it.</param>
    /// <param name="limits">Largest safetensors header parsed, caps of a thumbnail; <see cref="SniffLimits.Default"/> when null.</param>
    public static SniffResult Sniff(ReadOnlySpan<byte> head, long? totalSize = null, string? fileName = null, SniffLimits? limits = null)
    {
        var wholeFile = totalSize is { } size && head.Length >= size;
        if (wholeFile && head.Length > totalSize)
        {
            head = head[..(int)totalSize!.Value];
        }
        if (head.IsEmpty)
        {
            return wholeFile ? SniffResult.Unrecognised : SniffResult.Undetermined;
        }
        if (GgufSniffer.LooksLike(head))
        {
            return GgufSniffer.Sniff(head);
        }
        if (PickleSniffer.IsZip(head))
        {
            return PickleSniffer.SniffZip(head, wholeFile);
        }
        if (PickleSniffer.IsPickle(head) || PickleSniffer.IsLegacyTorch(head))
        {
            return PickleSniffer.SniffPickle(head);
        }
        if (SafeTensorSniffer.LooksLike(head))
        {
            return SafeTensorSniffer.Sniff(head, totalSize, limits ?? SniffLimits.Default);
        }
        if (OtherSignature(head) is { } other)
        {
            return SniffResult.Of(ModelFormat.Other, other);
        }
        if (ModelFormats.FromFileName(fileName) == ModelFormat.ONNX && head[0] == 0x08)
        {
            // ONNX is a protobuf ModelProto whose first field is ir_version (field 1, varint: tag 0x08).
            return SniffResult.Of(ModelFormat.ONNX, "onnx");
        }
        if (head.Length < MinDecisiveBytes && !wholeFile)
        {
            return SniffResult.Undetermined; // a prefix of a signature, perhaps
        }
        return SniffResult.Unrecognised;
    }

    // Containers and pages that are certainly no model format of CivitAI's vocabulary.
    private static string? OtherSignature(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y']))
        {
            return "numpy";
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
        {
            return "gzip";
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]))
        {
            return "7z";
        }
        var text = head[..Math.Min(head.Length, 64)].TrimStart(" \t\r\n"u8);
        if (StartsWithIgnoreCase(text, "<!doctype html"u8) || StartsWithIgnoreCase(text, "<html"u8))
        {
            return "html"; // an error or login page served as the file
        }
        return null;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> prefix) =>
        text.Length >= prefix.Length && System.Text.Ascii.EqualsIgnoreCase(text[..prefix.Length], prefix);
}
