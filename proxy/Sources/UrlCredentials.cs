using ModelGateway.Egress;

namespace ModelGateway.Sources;

/// <summary>
/// Keeps credentials out of URLs the gateway shows (<c>final_url</c>). By rule, not by a list of known names: a query
/// parameter whose name contains a credential word anywhere (case-insensitive, percent-decoded) is a secret, so
/// <c>private_token</c>, <c>hf_token</c>, <c>access-token</c>, <c>apiKey</c> and <c>X-Amz-Signature</c> go as well as
/// <c>token</c>. A parameter that merely looks like one goes too: <c>final_url</c> is for reading, the file is
/// fetched from the URL the caller gave.
/// </summary>
internal static class UrlCredentials
{
    // Words that make a parameter a credential wherever they appear in its name.
    private static readonly string[] CredentialWords =
    [
        "token", "key", "sig", "auth", "passw", "pwd", "secret", "sess", "credential", "cookie", "bearer", "jwt", "expires",
        "x-amz-", "x-goog-",
    ];

    // Words that mark a presigned storage URL (S3/R2, GCS, Azure SAS, CloudFront, Backblaze): a short-lived
    // capability whose path means nothing without its signature.
    private static readonly string[] SignatureWords = ["sig", "x-amz-", "x-goog-", "expires", "credential"];

    /// <summary>Whether a query parameter named <paramref name="name"/> (percent-decoded) looks like a credential.</summary>
    public static bool IsCredentialName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return CredentialWords.Any(word => name.Contains(word, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True for a presigned URL: a short-lived capability that must not be shown or cached as a location.</summary>
    public static bool IsPresigned(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return SplitQuery(url).Any(pair => SignatureWords.Any(word => pair.Name.Contains(word, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary><paramref name="url"/> without user info, credential-looking query parameters and fragment.</summary>
    public static Uri Strip(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var kept = SplitQuery(url).Where(pair => !IsCredentialName(pair.Name)).Select(pair => pair.Raw);
        return new UriBuilder(url) { UserName = string.Empty, Password = string.Empty, Fragment = string.Empty, Query = string.Join('&', kept) }.Uri;
    }

    /// <summary>
    /// The download URL to show after following <paramref name="hops"/>: the last one that is not presigned, stripped
    /// of credentials — and of its whole query when a redirect to another origin led there (another host's parameters
    /// are its own business, and one of them may be a credential under a name no rule knows).
    /// </summary>
    public static string CanonicalFinalUrl(IReadOnlyList<Uri> hops)
    {
        ArgumentNullException.ThrowIfNull(hops);
        for (var i = hops.Count - 1; i >= 0; i--)
        {
            if (IsPresigned(hops[i]))
            {
                continue;
            }
            var afterCrossOriginRedirect = Enumerable.Range(1, i).Any(j => !EgressHopGuard.SameOrigin(hops[j - 1], hops[j]));
            return Strip(afterCrossOriginRedirect ? WithoutQuery(hops[i]) : hops[i]).AbsoluteUri;
        }
        return Strip(WithoutQuery(hops[0])).AbsoluteUri;
    }

    private static Uri WithoutQuery(Uri url) => new UriBuilder(url) { Query = string.Empty }.Uri;

    private static IEnumerable<(string Name, string Raw)> SplitQuery(Uri url)
    {
        var query = url.Query.TrimStart('?');
        if (query.Length == 0)
        {
            yield break;
        }
        foreach (var raw in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = raw.IndexOf('=', StringComparison.Ordinal);
            var name = equals >= 0 ? raw[..equals] : raw;
            string decoded;
            try
            {
                decoded = Uri.UnescapeDataString(name.Replace('+', ' '));
            }
            catch (UriFormatException)
            {
                decoded = name;
            }
            yield return (decoded, raw);
        }
    }
}
