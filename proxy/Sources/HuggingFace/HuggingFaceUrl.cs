using System.Text;
using ModelGateway.Primitives;

namespace ModelGateway.Sources.HuggingFace;

/// <summary>The kind of Hugging Face repository a file lives in; it decides the URL prefix and the Hub API path.</summary>
internal enum HuggingFaceRepoType
{
    Model,
    Dataset,
    Space,
}

/// <summary>
/// A file in a Hugging Face repository, parsed from a resolve or blob URL (no I/O). Repository id, revision and
/// path are kept decoded; <see cref="ResolvePath"/> encodes them the way <c>huggingface_hub.hf_hub_url</c> does.
/// </summary>
internal sealed record HuggingFaceUrl(HuggingFaceRepoType RepoType, string RepoId, string Revision, IReadOnlyList<string> PathSegments)
{
    /// <summary>The public origin final URLs are written with, whatever host alias (<c>hf.co</c>) the user pasted.</summary>
    public const string PublicOrigin = "https://huggingface.co";

    /// <summary>Named in every rejection, so the user learns what to paste instead.</summary>
    public const string AcceptedForms =
        "Accepted Hugging Face URLs name one file: https://huggingface.co/{owner}/{repo}/resolve/{revision}/{path} "
        + "or .../blob/{revision}/{path}, optionally with a datasets/ or spaces/ prefix before {owner}.";

    private const int MaxSegmentLength = 255;

    /// <summary>The file's path inside the repository, e.g. <c>split_files/vae/ae.safetensors</c>.</summary>
    public string FilePath => string.Join('/', PathSegments);

    /// <summary>Whether the URL was a <c>resolve</c> URL (the file's bytes) rather than a <c>blob</c> URL (its HTML page).</summary>
    public bool IsResolve { get; init; }

    /// <summary>The last path segment: the name the file is served under.</summary>
    public string FileName => PathSegments[^1];

    /// <summary><c>datasets/</c>, <c>spaces/</c> or nothing for models.</summary>
    public string UrlPrefix => RepoType switch
    {
        HuggingFaceRepoType.Dataset => "datasets/",
        HuggingFaceRepoType.Space => "spaces/",
        _ => string.Empty,
    };

    /// <summary>The path segment of the Hub API for this repository type (<c>models</c>, <c>datasets</c>, <c>spaces</c>).</summary>
    public string ApiCollection => RepoType switch
    {
        HuggingFaceRepoType.Dataset => "datasets",
        HuggingFaceRepoType.Space => "spaces",
        _ => "models",
    };

    /// <summary>
    /// <c>/{prefix}{repo}/resolve/{revision}/{path}</c>, percent-encoded: the revision as one segment (so
    /// <c>refs/pr/1</c> becomes <c>refs%2Fpr%2F1</c>), each path segment on its own.
    /// </summary>
    public string ResolvePath
    {
        get
        {
            var path = new StringBuilder("/").Append(UrlPrefix).Append(RepoId).Append("/resolve/").Append(Uri.EscapeDataString(Revision));
            foreach (var segment in PathSegments)
            {
                path.Append('/').Append(Uri.EscapeDataString(segment));
            }
            return path.ToString();
        }
    }

    /// <summary>The canonical download URL on <see cref="PublicOrigin"/>; never a CDN URL, never a query.</summary>
    public Uri CanonicalUrl => new(PublicOrigin + ResolvePath);

    /// <summary>The Hub API path for the repository's facts, e.g. <c>/api/models/{owner}/{repo}</c>.</summary>
    public string ApiPath => $"/api/{ApiCollection}/{RepoId}";

    /// <summary>Parses a URL on a Hugging Face host; throws a 400 <c>INVALID_URL_FORMAT</c> naming the accepted forms.</summary>
    public static HuggingFaceUrl Parse(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return TryParse(url, out var parsed, out var problem)
            ? parsed
            : throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, $"{problem} {AcceptedForms}");
    }

    /// <summary>
    /// Parses <c>/[datasets/|spaces/]{repo}/(resolve|blob)/{revision}/{path}</c>; the query (<c>?download=true</c>)
    /// and fragment are ignored. <c>{repo}</c> is <c>owner/name</c>, or a single legacy name (<c>gpt2</c>).
    /// </summary>
    public static bool TryParse(Uri url, out HuggingFaceUrl parsed, out string problem)
    {
        ArgumentNullException.ThrowIfNull(url);
        parsed = null!;
        problem = string.Empty;
        // AbsolutePath keeps %2F escaped, so a revision like refs%2Fpr%2F1 stays one segment until decoded here.
        var raw = url.AbsolutePath.TrimStart('/').Split('/');
        var type = HuggingFaceRepoType.Model;
        var start = 0;
        if (raw.Length > 0 && string.Equals(raw[0], "datasets", StringComparison.OrdinalIgnoreCase))
        {
            (type, start) = (HuggingFaceRepoType.Dataset, 1);
        }
        else if (raw.Length > 0 && string.Equals(raw[0], "spaces", StringComparison.OrdinalIgnoreCase))
        {
            (type, start) = (HuggingFaceRepoType.Space, 1);
        }

        // owner/name/action/revision/file needs 5 segments; a legacy name/action/revision/file needs 4.
        int action;
        if (raw.Length - start >= 5 && IsAction(raw[start + 2]))
        {
            action = start + 2;
        }
        else if (raw.Length - start >= 4 && IsAction(raw[start + 1]))
        {
            action = start + 1;
        }
        else
        {
            problem = $"\"{url.AbsolutePath}\" does not name a file in a Hugging Face repository.";
            return false;
        }

        var repoSegments = new List<string>();
        for (var i = start; i < action; i++)
        {
            if (!IsRepoSegment(raw[i]))
            {
                problem = $"\"{raw[i]}\" is not a valid Hugging Face repository or owner name.";
                return false;
            }
            repoSegments.Add(raw[i]);
        }

        // Special refs keep their slashes when pasted unencoded (refs/pr/1, refs/convert/parquet).
        var revisionStart = action + 1;
        var revisionLength = raw.Length - revisionStart >= 4 && raw[revisionStart] == "refs" && raw[revisionStart + 1] is "pr" or "convert" ? 3 : 1;
        if (!TryDecodeAll(raw.AsSpan(revisionStart, revisionLength), out var revisionParts)
            || revisionParts.Any(p => p.Length == 0 || p.Any(char.IsControl)))
        {
            problem = "The revision is empty or not valid.";
            return false;
        }
        var revision = string.Join('/', revisionParts);
        if (revision.Length > MaxSegmentLength)
        {
            problem = "The revision is too long.";
            return false;
        }

        var fileStart = revisionStart + revisionLength;
        if (!TryDecodeAll(raw.AsSpan(fileStart), out var pathSegments) || pathSegments.Length == 0
            || pathSegments.Any(s => s.Length is 0 or > MaxSegmentLength || s is "." or ".." || s.Contains('/', StringComparison.Ordinal)
                || s.Contains('\\', StringComparison.Ordinal) || s.Any(char.IsControl)))
        {
            problem = "The path inside the repository must name a file (no empty, \".\" or \"..\" segments, no trailing slash).";
            return false;
        }

        parsed = new HuggingFaceUrl(type, string.Join('/', repoSegments), revision, pathSegments) { IsResolve = raw[action] == "resolve" };
        return true;
    }

    private static bool IsAction(string segment) => segment is "resolve" or "blob";

    // Hub repo and owner names: letters, digits, '-', '_', '.'; at most 96 characters.
    private static bool IsRepoSegment(string segment) =>
        segment.Length is > 0 and <= 96 && segment is not ("." or "..")
        && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static bool TryDecodeAll(ReadOnlySpan<string> segments, out string[] decoded)
    {
        decoded = new string[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            try
            {
                decoded[i] = Uri.UnescapeDataString(segments[i]);
            }
            catch (UriFormatException)
            {
                return false;
            }
        }
        return true;
    }
}
