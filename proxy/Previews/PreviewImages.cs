using System.Buffers;
using System.Buffers.Text;
using ModelGateway.Egress;

namespace ModelGateway.Previews;

/// <summary>
/// Builds the <c>preview_image</c> data URL from bytes that really are an image (checked by magic bytes, not by
/// what a server or a header claims) within <see cref="PreviewLimits"/>: at most so many bytes, and dimensions read
/// from its header of at most so many pixels (an image whose dimensions cannot be read is refused).
/// </summary>
internal static class PreviewImages
{
    /// <summary>The image subtype the bytes start with (<c>png</c>, <c>jpeg</c>, <c>gif</c>, <c>webp</c>, <c>avif</c>), or null.</summary>
    public static string? DetectSubtype(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "png";
        }
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "jpeg";
        }
        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return "gif";
        }
        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return "webp";
        }
        if (bytes.Length >= 12 && bytes[4..8].SequenceEqual("ftyp"u8) && (bytes[8..12].SequenceEqual("avif"u8) || bytes[8..12].SequenceEqual("avis"u8)))
        {
            return "avif";
        }
        return null;
    }

    /// <summary>A <c>data:image/…;base64,…</c> URL, or null when the bytes are no image or do not fit <paramref name="limits"/>.</summary>
    public static string? ToDataUrl(ReadOnlySpan<byte> bytes, PreviewLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (bytes.Length == 0 || bytes.Length > limits.MaxBytes || DetectSubtype(bytes) is not { } subtype
            || ImageDimensions.Read(bytes, subtype) is not { } size || size.Width * size.Height > limits.MaxPixels)
        {
            return null;
        }
        var prefix = $"data:image/{subtype};base64,";
        // One string, written in place: a preview is up to a few hundred KB.
        return string.Create(prefix.Length + Base64.GetMaxEncodedToUtf8Length(bytes.Length), bytes, (chars, image) =>
        {
            prefix.CopyTo(chars);
            Convert.TryToBase64Chars(image, chars[prefix.Length..], out _);
        });
    }

    /// <summary>
    /// Reads an image body of at most <see cref="PreviewLimits.MaxBytes"/> and returns it as a <c>data:</c> URL when its
    /// bytes really are an image within <paramref name="limits"/> (whatever Content-Type says); null for an error
    /// status, anything else or anything larger.
    /// </summary>
    public static async Task<string?> ReadDataUrlAsync(HttpResponseMessage response, PreviewLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(limits);
        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > limits.MaxBytes)
        {
            return null;
        }
        var bytes = await EgressBody.ReadHeadAsync(response, limits.MaxBytes + 1, cancellationToken);
        return ToDataUrl(bytes, limits);
    }

    /// <summary>
    /// Checks a data URL found in a file's metadata (e.g. <c>modelspec.thumbnail</c>), given as the UTF-8 bytes it was
    /// read as: it must be base64 image data whose bytes really are an image within <paramref name="limits"/>. The
    /// normalized URL, or null. Nothing longer than the limits allow is decoded.
    /// </summary>
    public static string? FromDataUrl(ReadOnlySpan<byte> dataUrl, PreviewLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var comma = dataUrl.IndexOf((byte)',');
        if (comma < ";base64".Length || !System.Text.Ascii.EqualsIgnoreCase(dataUrl[.."data:".Length], "data:"u8)
            || !System.Text.Ascii.EqualsIgnoreCase(dataUrl[(comma - ";base64".Length)..comma], ";base64"u8))
        {
            return null;
        }
        var payload = dataUrl[(comma + 1)..];
        if (payload.Length > ((limits.MaxBytes + 2) / 3 * 4) || payload.IsEmpty)
        {
            return null;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Base64.GetMaxDecodedFromUtf8Length(payload.Length));
        try
        {
            return Base64.DecodeFromUtf8(payload, buffer, out _, out var written) == OperationStatus.Done
                ? ToDataUrl(buffer.AsSpan(0, written), limits)
                : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
