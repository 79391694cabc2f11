using System.ComponentModel.DataAnnotations;

namespace ModelGateway.Previews;

/// <summary>
/// <c>Previews</c>: how large a <c>preview_image</c> may be, in bytes and in pixels, whatever source it comes from (a
/// CivitAI image, a safetensors <c>modelspec.thumbnail</c>). The pixel cap keeps an image that decodes to gigabytes
/// (a small, highly compressed file of huge dimensions) out of every browser that shows it.
/// </summary>
internal sealed class PreviewOptions
{
    public const string SectionName = "Previews";

    public const int DefaultMaxBytes = 256 * 1024;

    public const long DefaultMaxPixels = 2048 * 2048;

    /// <summary>Largest preview, in bytes of the image (before base64).</summary>
    [Range(1024, PreviewsConfigValidator.MaxBytesLimit)]
    public int MaxBytes { get; set; } = DefaultMaxBytes;

    /// <summary>Largest preview, in pixels (width × height, from the image's header).</summary>
    [Range(typeof(long), "1", "268435456")] // PreviewsConfigValidator.MaxPixelsLimit
    public long MaxPixels { get; set; } = DefaultMaxPixels;

    public PreviewLimits Limits => new(MaxBytes, MaxPixels);
}

/// <summary>The caps a preview must fit: <see cref="PreviewOptions"/> as read once per use.</summary>
internal sealed record PreviewLimits(int MaxBytes, long MaxPixels)
{
    public static readonly PreviewLimits Default = new(PreviewOptions.DefaultMaxBytes, PreviewOptions.DefaultMaxPixels);
}
