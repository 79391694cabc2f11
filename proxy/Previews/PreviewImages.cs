using ModelGateway.Egress;

namespace ModelGateway.Previews;

/// <summary>
/// Builds the <c>preview_image</c> data URL from bytes that really are an image (checked by magic bytes, not by
/// what a server or a header claims), capped in size.
/// </summary>
internal static class PreviewImages
{
    /// <summary>Largest preview returned, in bytes before base64.</summary>
    public const int MaxBytes = 256 * 1024;

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

    /// <summary>A <c>data:image/…;base64,…</c> URL, or null when the bytes are no image or exceed <paramref name="maxBytes"/>.</summary>
    public static string? ToDataUrl(ReadOnlySpan<byte> bytes, int maxBytes = MaxBytes)
    {
        if (bytes.Length == 0 || bytes.Length > maxBytes || DetectSubtype(bytes) is not { } subtype)
        {
            return null;
        }
        return $"data:image/{subtype};base64,{Convert.ToBase64String(bytes)}";
    }

    /// <summary>
    /// Reads an image body of at most <paramref name="maxBytes"/> and returns it as a <c>data:</c> URL when its bytes
    /// really are an image (whatever Content-Type says); null for an error status, anything else or anything larger.
    /// </summary>
    public static async Task<string?> ReadDataUrlAsync(HttpResponseMessage response, CancellationToken cancellationToken, int maxBytes = MaxBytes)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > maxBytes)
        {
            return null;
        }
        var bytes = await EgressBody.ReadHeadAsync(response, maxBytes + 1, cancellationToken);
        return ToDataUrl(bytes, maxBytes);
    }

    /// <summary>
    /// Checks a data URL found in a file's metadata (e.g. <c>modelspec.thumbnail</c>): it must be base64 image data
    /// whose bytes really are an image of at most <paramref name="maxBytes"/>. Returns the normalized URL or null.
    /// </summary>
    public static string? ValidateDataUrl(string? dataUrl, int maxBytes = MaxBytes)
    {
        const string prefix = "data:";
        if (string.IsNullOrEmpty(dataUrl) || !dataUrl.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            || dataUrl.Length > (maxBytes / 3 * 4) + 200)
        {
            return null;
        }
        var comma = dataUrl.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0 || !dataUrl.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var buffer = new byte[(dataUrl.Length - comma) * 3 / 4 + 3];
        return Convert.TryFromBase64String(dataUrl[(comma + 1)..], buffer, out var written)
            ? ToDataUrl(buffer.AsSpan(0, written), maxBytes)
            : null;
    }
}
