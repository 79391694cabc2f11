namespace ModelGateway.Sources;

/// <summary>Keeps credentials out of URLs the gateway shows (<c>final_url</c>) or uses as cache keys.</summary>
internal static class UrlCredentials
{
    // Query parameters that carry a secret themselves.
    private static readonly HashSet<string> SecretParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "token", "access_token", "api_key", "apikey", "key", "auth", "password", "secret", "client_secret", "session",
    };

    // Query parameters that mark a presigned storage URL (S3/R2, GCS, Azure SAS, CloudFront, Backblaze).
    private static readonly string[] SignaturePrefixes = ["x-amz-", "x-goog-"];
    private static readonly HashSet<string> SignatureParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "signature", "sig", "policy", "key-pair-id", "googleaccessid", "se", "sp", "sv", "sr", "skoid",
        "authorization", "expires",
    };

    /// <summary>True for a presigned URL: a short-lived capability that must not be shown or cached as a location.</summary>
    public static bool IsPresigned(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return QueryNames(url).Any(name => SignatureParameters.Contains(name)
            || SignaturePrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary><paramref name="url"/> without user info, secret query parameters and fragment.</summary>
    public static Uri Strip(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var kept = SplitQuery(url).Where(pair => !SecretParameters.Contains(pair.Name)).Select(pair => pair.Raw);
        var builder = new UriBuilder(url) { UserName = string.Empty, Password = string.Empty, Fragment = string.Empty };
        var query = string.Join('&', kept);
        builder.Query = query;
        return builder.Uri;
    }

    /// <summary>
    /// The download URL to show after following <paramref name="hops"/>: the last one that is not presigned,
    /// stripped of credentials.
    /// </summary>
    public static string CanonicalFinalUrl(IReadOnlyList<Uri> hops)
    {
        ArgumentNullException.ThrowIfNull(hops);
        for (var i = hops.Count - 1; i >= 0; i--)
        {
            if (!IsPresigned(hops[i]))
            {
                return Strip(hops[i]).AbsoluteUri;
            }
        }
        return Strip(new UriBuilder(hops[0]) { Query = string.Empty }.Uri).AbsoluteUri;
    }

    private static IEnumerable<string> QueryNames(Uri url) => SplitQuery(url).Select(pair => pair.Name);

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
                decoded = Uri.UnescapeDataString(name);
            }
            catch (UriFormatException)
            {
                decoded = name;
            }
            yield return (decoded, raw);
        }
    }
}
