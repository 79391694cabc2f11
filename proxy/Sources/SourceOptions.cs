using ModelGateway.Policies;

namespace ModelGateway.Sources;

/// <summary>
/// What every named source shares (<c>Sources:&lt;name&gt;</c>): the hosts it answers for, where it is really
/// fetched from, and an optional token sent to its own hosts only.
/// </summary>
public class SourceOptions
{
    /// <summary>Hosts recognised as this source.</summary>
    public List<string> Hosts { get; set; } = [];

    /// <summary>Scheme, host and port that requests for <see cref="Hosts"/> are really sent to.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer</c> to this source's hosts; never logged, never cached.</summary>
    public string? Token { get; set; }

    public bool Recognizes(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var host = HostPolicy.NormalizeHost(url.Host);
        return Hosts.Any(h => HostPolicy.Matches(HostPolicy.NormalizeHost(h), host));
    }

    /// <summary>
    /// DESIGN.md's BaseUrl rule: a URL on one of <see cref="Hosts"/> is fetched from <see cref="BaseUrl"/> (scheme,
    /// host and port replaced; path and query kept).
    /// </summary>
    public Uri Rebase(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (string.IsNullOrEmpty(BaseUrl) || !Recognizes(url))
        {
            return url;
        }
        var baseUrl = new Uri(BaseUrl, UriKind.Absolute);
        return new UriBuilder(url) { Scheme = baseUrl.Scheme, Host = baseUrl.Host, Port = baseUrl.Port }.Uri;
    }

    /// <summary>Whether a request to <paramref name="url"/> may carry this source's token: its hosts and its BaseUrl only.</summary>
    public bool IsOwnHost(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (Recognizes(url))
        {
            return true;
        }
        return Uri.TryCreate(BaseUrl, UriKind.Absolute, out var baseUrl)
            && string.Equals(baseUrl.Host, url.Host, StringComparison.OrdinalIgnoreCase) && baseUrl.Port == url.Port;
    }

    // Startup messages go to stderr and logs: never echo a password written into the URL.
    private static string Redacted(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && url.UserInfo.Length > 0
            ? value.Replace(url.UserInfo, "***", StringComparison.Ordinal)
            : value;

    /// <summary>Problems with these options, for startup validation.</summary>
    public virtual IEnumerable<string> Validate(string section)
    {
        if (!string.IsNullOrEmpty(BaseUrl)
            && (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps)
                || baseUrl.UserInfo.Length > 0))
        {
            yield return $"{section}:BaseUrl: \"{Redacted(BaseUrl)}\" is not an absolute http(s) URL without credentials.";
        }
        foreach (var (host, index) in Hosts.Select((h, i) => (h, i)))
        {
            if (!HostPolicy.IsValidPattern(host))
            {
                yield return $"{section}:Hosts:{index}: \"{host}\" is not a host name.";
            }
        }
    }
}

/// <summary>
/// Registered by a named source that binds and validates its own <c>Sources:&lt;name&gt;</c> section (with its extra
/// keys), so the generic startup check does not report the same problem twice.
/// </summary>
public sealed record SelfValidatedSourceSection(string Path);
