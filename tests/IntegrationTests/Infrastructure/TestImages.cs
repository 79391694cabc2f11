namespace ModelGateway.Testing;

/// <summary>
/// Real 3×2 images, as the named encoders wrote them: every preview format the gateway accepts, for tests of the
/// byte and pixel caps. Linked into both test projects.
/// </summary>
public static class TestImages
{
    public const int Width = 3;
    public const int Height = 2;

    /// <summary>A PNG (ImageMagick).</summary>
    public static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACAQMAAACnuvRZAAAABGdBTUEAALGPC/xhBQAAACBjSFJNAAB6JgAAgIQAAPoAAACA6AAAdTAAAOpgAAA6mAAAF3CculE8AAAABlBMVEX/AAD///9BHTQRAAAAAWJLR0QB/wIt3gAAAAd0SU1FB+oLHQsgNBbNE+EAAAAMSURBVAjXY2BgYAAAAAQAASc0JwoAAAAldEVYdGRhdGU6Y3JlYXRlADIwMjYtMTEtMjlUMTE6MzI6NTIrMDA6MDDHXoj3AAAAJXRFWHRkYXRlOm1vZGlmeQAyMDI2LTExLTI5VDExOjMyOjUyKzAwOjAwtgMwSwAAAABJRU5ErkJggg==");

    /// <summary>A baseline JPEG (ImageMagick).</summary>
    public static readonly byte[] Jpeg = Convert.FromBase64String(
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAACAAMDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAf/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABgj/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCdABykX//Z");

    /// <summary>A progressive JPEG (ImageMagick, -interlace JPEG).</summary>
    public static readonly byte[] ProgressiveJpeg = Convert.FromBase64String(
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wgARCAACAAMDAREAAhEBAxEB/8QAFAABAAAAAAAAAAAAAAAAAAAAB//EABUBAQEAAAAAAAAAAAAAAAAAAAYI/9oADAMBAAIQAxAAAAE5C1T/AP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAQUCf//EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQMBAT8Bf//EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQIBAT8Bf//EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEABj8Cf//EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAT8hf//aAAwDAQACAAMAAAAQ/wD/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oACAEDAQE/EH//xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oACAECAQE/EH//xAAUEAEAAAAAAAAAAAAAAAAAAAAA/9oACAEBAAE/EH//2Q==");

    /// <summary>A GIF89a (ImageMagick).</summary>
    public static readonly byte[] Gif = Convert.FromBase64String(
        "R0lGODlhAwACAPAAAP8AAAAAACH5BAAAAAAALAAAAAADAAIAAAIChF8AOw==");

    /// <summary>A lossy WebP, VP8 (cwebp).</summary>
    public static readonly byte[] WebpLossy = Convert.FromBase64String(
        "UklGRjwAAABXRUJQVlA4IDAAAADQAQCdASoDAAIAAUAmJaACdLoB+AADsAD+8ut//NgVzXPv9//S4P0uD9Lg/9KQAAA=");

    /// <summary>A lossless WebP, VP8L (cwebp -lossless).</summary>
    public static readonly byte[] WebpLossless = Convert.FromBase64String(
        "UklGRhwAAABXRUJQVlA4TA8AAAAvAkAAAAcQ/Y/+ByKi/wEA");

    /// <summary>A WebP with alpha, VP8X (cwebp).</summary>
    public static readonly byte[] WebpExtended = Convert.FromBase64String(
        "UklGRl4AAABXRUJQVlA4WAoAAAAQAAAAAgAAAQAAQUxQSAcAAAAAgICAgICAAFZQOCAwAAAA0AEAnQEqAwACAAFAJiWgAnS6AfgAA7AA/vLrf/zYFc1z7/f/0uD9Lg/S4P/SkAAA");

    /// <summary>A AVIF (avifenc).</summary>
    public static readonly byte[] Avif = Convert.FromBase64String(
        "AAAAIGZ0eXBhdmlmAAAAAGF2aWZtaWYxbWlhZk1BMUEAAADybWV0YQAAAAAAAAAoaGRscgAAAAAAAAAAcGljdAAAAAAAAAAAAAAAAGxpYmF2aWYAAAAADnBpdG0AAAAAAAEAAAAeaWxvYwAAAABEAAABAAEAAAABAAABGgAAACAAAAAoaWluZgAAAAAAAQAAABppbmZlAgAAAAABAABhdjAxQ29sb3IAAAAAamlwcnAAAABLaXBjbwAAABRpc3BlAAAAAAAAAAMAAAACAAAAEHBpeGkAAAAAAwgICAAAAAxhdjFDgSAAAAAAABNjb2xybmNseAABAA0ABoAAAAAXaXBtYQAAAAAAAAABAAEEAQKDBAAAAChtZGF0EgAKCDgEKwgIaDSAMhIWQAYYYYQAAHlM3D1TH2MQXqg=");

    /// <summary>Every image with the subtype its data URL names.</summary>
    public static IEnumerable<(byte[] Bytes, string Subtype)> All =>
    [
        (Png, "png"), (Jpeg, "jpeg"), (ProgressiveJpeg, "jpeg"), (Gif, "gif"), (WebpLossy, "webp"), (WebpLossless, "webp"),
        (WebpExtended, "webp"), (Avif, "avif"),
    ];

    public static string DataUrl(byte[] bytes, string subtype) => $"data:image/{subtype};base64,{Convert.ToBase64String(bytes)}";
}
