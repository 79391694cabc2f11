using System.Net.Http.Headers;

namespace ModelGateway.Sources;

/// <summary>The name a file is served under, always a bare name (never a path).</summary>
internal static class FileNames
{
    private const int MaxLength = 255;

    /// <summary>
    /// RFC 6266: <c>filename*</c> (RFC 8187, charset and percent-decoding) wins over <c>filename</c>; a plain
    /// <c>filename</c> that is percent-encoded is decoded too. Null when the header names no usable file.
    /// </summary>
    public static string? FromContentDisposition(ContentDispositionHeaderValue? header)
    {
        if (header is null)
        {
            return null;
        }
        var star = Sanitize(header.FileNameStar);
        if (star is not null)
        {
            return star;
        }
        var plain = Unquote(header.FileName);
        return Sanitize(plain is null ? null : PercentDecode(plain));
    }

    /// <summary>The last path segment of <paramref name="url"/>, percent-decoded; null when the path ends in '/'.</summary>
    public static string? FromUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var path = url.AbsolutePath;
        var slash = path.LastIndexOf('/');
        var segment = slash >= 0 ? path[(slash + 1)..] : path;
        return Sanitize(PercentDecode(segment));
    }

    /// <summary>
    /// Strips any directory part and what <see cref="DisplayText"/> removes (control, bidi, zero-width and other
    /// invisible characters), trims blanks, and replaces ':' (a Windows drive or stream separator); null when nothing
    /// usable is left.
    /// </summary>
    public static string? Sanitize(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }
        // Invisible characters go first: "..\u200B/x" must not hide a path separator's meaning.
        var visible = DisplayText.Clean(name, int.MaxValue);
        if (visible is null)
        {
            return null;
        }
        var cut = visible.LastIndexOfAny(['/', '\\']);
        // ':' would make "C:evil.ckpt" a drive-relative path (and "a:b" an NTFS stream) on a Windows ComfyUI install.
        var bare = DisplayText.Clean((cut >= 0 ? visible[(cut + 1)..] : visible).Replace(':', '_'), MaxLength);
        return bare is null or "." or ".." ? null : bare;
    }

    /// <summary>The display stem: the name without its last extension.</summary>
    public static string? Stem(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName))
        {
            return null;
        }
        var stem = Path.GetFileNameWithoutExtension(fileName);
        return stem.Length > 0 ? stem : fileName;
    }

    private static string? Unquote(string? value)
    {
        if (value is null)
        {
            return null;
        }
        var trimmed = value.Trim();
        if (trimmed.Length >= 2 && trimmed[0] == '"' && trimmed[^1] == '"')
        {
            trimmed = trimmed[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }
        return trimmed;
    }

    private static string PercentDecode(string value)
    {
        try
        {
            return Uri.UnescapeDataString(value);
        }
        catch (UriFormatException)
        {
            return value;
        }
    }
}
