using System.Net.Http.Headers;
using ModelGateway.Policies;

namespace ModelGateway.Sources;

/// <summary>
/// What every named source shares (<c>Sources:&lt;name&gt;</c>): the hosts it answers for, where it is really
/// fetched from, and an optional token sent to its own hosts only.
/// </summary>
internal class SourceOptions
{
    /// <summary>Longest token accepted, from configuration or a pasted URL.</summary>
    public const int MaxTokenLength = 512;

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
    /// A token goes into an Authorization header verbatim: printable ASCII without blanks (a pasted newline would break
    /// or inject headers), bounded.
    /// </summary>
    public static bool IsValidToken(string? token) =>
        !string.IsNullOrEmpty(token) && token.Length <= MaxTokenLength && token.All(c => c is > ' ' and < (char)0x7F);

    /// <summary>
    /// The per-hop callback that adds <paramref name="token"/> as <c>Authorization: Bearer</c> to requests for this
    /// source's own hosts only (<see cref="IsOwnHost"/>): never to storage, CDN or image hosts. No token: adds nothing.
    /// </summary>
    public Action<HttpRequestMessage> Authorizer(string? token) => message =>
    {
        if (!string.IsNullOrEmpty(token) && message.RequestUri is { } target && IsOwnHost(target))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    };

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

    /// <summary>Problems with the keys every source shares, named under <paramref name="section"/>.</summary>
    public IEnumerable<string> Validate(string section)
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
        if (!string.IsNullOrEmpty(Token) && !IsValidToken(Token))
        {
            // The value itself is a secret: never echo it.
            yield return $"{section}:Token must be printable ASCII without spaces, at most {MaxTokenLength} characters (the value is not shown).";
        }
    }
}
