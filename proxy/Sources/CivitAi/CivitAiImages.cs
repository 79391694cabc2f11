namespace ModelGateway.Sources.CivitAi;

/// <summary>CivitAI's image URLs: <c>{host}/{account}/{uuid}/{params}/{name}.{ext}</c>.</summary>
internal static class CivitAiImages
{
    /// <summary>The width asked for: small enough for a preview, a step of CivitAI's own width ladder.</summary>
    public const string PreviewParams = "width=450";

    private static readonly HashSet<string> ImageHosts = new(StringComparer.OrdinalIgnoreCase)
    {
        "image.civitai.com", "imagecache.civitai.com",
    };

    /// <summary>
    /// For CivitAI's image hosts, the same image resized to 450 px wide (the params segment, e.g.
    /// <c>original=true</c>, replaced) over https; any other URL unchanged.
    /// </summary>
    public static Uri Small(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!ImageHosts.Contains(url.Host))
        {
            return url;
        }
        var segments = url.AbsolutePath.Split('/');
        // segments[0] is empty (leading '/'); the params segment follows account and uuid.
        for (var i = 3; i < segments.Length; i++)
        {
            if (segments[i].Contains('=', StringComparison.Ordinal))
            {
                segments[i] = PreviewParams;
                break;
            }
        }
        return new UriBuilder(url) { Scheme = Uri.UriSchemeHttps, Port = -1, Path = string.Join('/', segments) }.Uri;
    }
}
