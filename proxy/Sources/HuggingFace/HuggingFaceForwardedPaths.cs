namespace ModelGateway.Sources.HuggingFace;

/// <summary>
/// The Hugging Face paths a forwarding route may send to the Hub. File paths — <c>resolve</c> (the download pipeline
/// serves those it can read), <c>raw</c>, <c>blob</c>, <c>/api/resolve-cache/…</c> — are recognised in any case, slash
/// doubling or encoding. Reads on the allow-list (<c>docs/api.md</c>, "Enforced routes") are what <c>huggingface_hub</c>
/// and <c>@huggingface/hub</c> ask before a download: repository info, revisions, tree listings and paths-info (their
/// <c>xetHash</c> removed, so no client switches to Xet), commits, refs. The Xet token endpoints are never forwarded:
/// their answer is a CAS URL and a token minted from the organisation's token, which would send the client around the
/// gateway.
/// </summary>
internal sealed class HuggingFaceForwardedPaths : IForwardedPathRules
{
    public const string XetHashProperty = "xetHash";

    private static readonly string[] FileActions = ["resolve", "raw", "blob", "resolve-cache"];
    private static readonly string[] XetTokens = ["xet-read-token", "xet-write-token"];
    private static readonly string[] Collections = ["models", "datasets", "spaces"];
    private static readonly string[] Reads = ["GET", "HEAD"];
    private static readonly string[] StripXet = [XetHashProperty];

    public string SourceName => HuggingFaceSource.SourceName;

    public ForwardedPath Classify(string method, Uri url)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(url);
        var path = ForwardedPathSegments.Of(url);
        if (path.LooselyContains(XetTokens))
        {
            return new ForwardedPath(ForwardedPathKind.Refused, "xet-token")
            {
                Refusal = ("XET_NOT_SUPPORTED", "The gateway does not hand out Xet tokens: Xet storage would be reached around it. "
                    + "Clients fall back to plain downloads through the gateway."),
            };
        }
        if (path.IsCanonical && Read(method, path.Exact) is { } read)
        {
            return read;
        }
        return path.LooselyContains(FileActions) ? new ForwardedPath(ForwardedPathKind.File, FileShape(path)) : ForwardedPath.Other;
    }

    /// <summary>The allow-list: <c>/api/{models|datasets|spaces}</c> and what follows a repository's id there.</summary>
    private static ForwardedPath? Read(string method, IReadOnlyList<string> s)
    {
        if (s.Count < 2 || s[0] != "api" || !Collections.Contains(s[1]))
        {
            return null;
        }
        var collection = s[1];
        if (s.Count == 2)
        {
            return Allow(method, Reads, $"api/{collection}"); // search and listing
        }
        // A repository id is owner/name, or a single legacy name (gpt2): the longest that leaves a known action.
        foreach (var repoLength in new[] { 2, 1 })
        {
            if (s.Count < 2 + repoLength || !Enumerable.Range(2, repoLength).All(i => IsRepoSegment(s[i])))
            {
                continue;
            }
            var rest = s.Skip(2 + repoLength).ToArray();
            var endpoint = $"api/{collection}/{{repo}}";
            switch (rest)
            {
                case []:
                    return Allow(method, Reads, endpoint);
                case ["revision", _, ..]:
                    return Allow(method, Reads, endpoint + "/revision");
                case ["tree", _, ..]:
                    return Allow(method, Reads, endpoint + "/tree", StripXet);
                case ["paths-info", _]:
                    // A read with its query in a JSON or form body: POST is how both clients ask.
                    return Allow(method, ["POST"], endpoint + "/paths-info", StripXet);
                case ["commits", _]:
                    return Allow(method, Reads, endpoint + "/commits");
                case ["refs"]:
                    return Allow(method, Reads, endpoint + "/refs");
            }
        }
        return null;
    }

    private static ForwardedPath? Allow(string method, string[] methods, string endpoint, string[]? stripped = null) =>
        methods.Contains(method, StringComparer.OrdinalIgnoreCase)
            ? new ForwardedPath(ForwardedPathKind.Read, endpoint) { StrippedJsonProperties = stripped ?? [] }
            : null;

    private static string FileShape(ForwardedPathSegments path) => path.Loose.FirstOrDefault(FileActions.Contains) ?? "file";

    // Hub repository and owner names: letters, digits, '-', '_', '.'; at most 96 characters; never "." or "..".
    private static bool IsRepoSegment(string segment) =>
        segment.Length is > 0 and <= 96 && segment is not ("." or "..")
        && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
