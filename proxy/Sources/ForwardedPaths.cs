namespace ModelGateway.Sources;

/// <summary>What a named source says about a request a forwarding route would send to its own hosts.</summary>
internal enum ForwardedPathKind
{
    /// <summary>Not on the source's allow-list for this method: refused, unless the route opts in to writes and it is no read.</summary>
    Other,

    /// <summary>A read-only API path on the allow-list, with a method it allows: forwarded.</summary>
    Read,

    /// <summary>A path that can serve a file's bytes: the download pipeline serves it, or it is refused — never forwarded.</summary>
    File,

    /// <summary>A path the gateway never forwards whatever the method or the route (Hugging Face's Xet tokens).</summary>
    Refused,
}

/// <summary>
/// One request's class (<see cref="IForwardedPathRules.Classify"/>). <see cref="Endpoint"/> names the allow-list entry or
/// the file shape (<c>api/models/{repo}/tree</c>, <c>resolve-cache</c>) for the audit log — never the path itself.
/// <see cref="StrippedJsonProperties"/>: properties removed from the answer's JSON wherever they appear (Hugging Face's
/// <c>xetHash</c>).
/// </summary>
internal sealed record ForwardedPath(ForwardedPathKind Kind, string Endpoint)
{
    public static readonly ForwardedPath Other = new(ForwardedPathKind.Other, "other");

    public IReadOnlyList<string> StrippedJsonProperties { get; init; } = [];

    /// <summary>For <see cref="ForwardedPathKind.Refused"/>: the code and message of the 403.</summary>
    public (string Code, string Message)? Refusal { get; init; }
}

/// <summary>
/// What a named source knows about its own forwarded paths: which serve file bytes (in any case, any slash doubling, any
/// encoding), which read-only API paths clients need (the allow-list, <c>docs/api.md</c>), which are never forwarded.
/// Each source's rules live in its own folder; the enforcing routes ask the rules of the route's source.
/// </summary>
internal interface IForwardedPathRules
{
    /// <summary>The source these rules are for (<see cref="IMetadataSource.Name"/>).</summary>
    string SourceName { get; }

    /// <summary>
    /// The class of <paramref name="method"/> on <paramref name="url"/>: the URL the route would request, named on the
    /// source's public origin, path and query as the client encoded them.
    /// </summary>
    ForwardedPath Classify(string method, Uri url);
}

/// <summary>A forwarded URL's path read two ways: as written (for the allow-list), and loosely (to recognise file paths).</summary>
internal sealed class ForwardedPathSegments
{
    private ForwardedPathSegments(string[] exact, string[] loose, bool canonical)
    {
        Exact = exact;
        Loose = loose;
        IsCanonical = canonical;
    }

    /// <summary>Each segment percent-decoded once (an encoded <c>/</c> stays inside its segment); empty when not canonical.</summary>
    public IReadOnlyList<string> Exact { get; }

    /// <summary>
    /// Every segment decoded until it no longer changes, split again at every <c>/</c> or <c>\</c> it decodes to, empty ones
    /// dropped, lower-cased: what a lenient server might read, so a file path is recognised however it is disguised.
    /// </summary>
    public IReadOnlyList<string> Loose { get; }

    /// <summary>No empty segment (no doubled or trailing slash) and every segment decodes: the only form the allow-list matches.</summary>
    public bool IsCanonical { get; }

    public static ForwardedPathSegments Of(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var path = url.IsAbsoluteUri ? url.AbsolutePath : url.OriginalString.Split('?', 2)[0];
        var raw = path.TrimStart('/').Split('/');
        var canonical = path.StartsWith('/') && !path.StartsWith("//", StringComparison.Ordinal) && raw.All(s => s.Length > 0);
        var exact = new string[raw.Length];
        for (var i = 0; i < raw.Length && canonical; i++)
        {
            exact[i] = Decode(raw[i]);
            canonical = !exact[i].Any(char.IsControl);
        }
        var loose = raw.Select(DecodeFully)
            .SelectMany(s => s.Split('/', '\\'))
            .Where(s => s.Length > 0)
            .Select(s => s.ToLowerInvariant())
            .ToArray();
        return new ForwardedPathSegments(canonical ? exact : [], loose, canonical);
    }

    /// <summary>Whether any loose segment is one of <paramref name="words"/> (lower-case).</summary>
    public bool LooselyContains(params string[] words) => Loose.Any(words.Contains);

    private static string Decode(string segment)
    {
        try
        {
            return Uri.UnescapeDataString(segment);
        }
        catch (UriFormatException)
        {
            return "\0"; // a control character: not canonical
        }
    }

    private static string DecodeFully(string segment)
    {
        for (var i = 0; i < 4; i++)
        {
            var decoded = Decode(segment);
            if (decoded == segment)
            {
                break;
            }
            segment = decoded;
        }
        return segment;
    }
}
