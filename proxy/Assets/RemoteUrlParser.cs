using System.Globalization;
using System.Net;
using ModelGateway.Egress;
using ModelGateway.Policies;
using ModelGateway.Primitives;

namespace ModelGateway.Assets;

/// <summary>
/// Turns the <c>url</c> query parameter into an absolute http(s) <see cref="Uri"/> whose host is in its canonical
/// ASCII form (IDNA-mapped, lower-case, no trailing dot), or a documented 400: <c>INVALID_URL</c> when missing,
/// <c>INVALID_URL_FORMAT</c> when malformed, <c>INVALID_HOST</c> for a literal non-public address or <c>localhost</c>.
/// Literal addresses are recognised in every notation <see cref="Uri"/> and the system resolver accept (decimal,
/// hex, octal, short forms, IPv6 forms embedding IPv4, full-width digits and ideographic dots after IDNA mapping).
/// </summary>
internal static class RemoteUrlParser
{
    public const int MaxLength = 2048;

    private const int MaxHostLength = 253;

    /// <summary>
    /// Parses with <c>Egress</c>'s rules for a URL that is not an admin-configured origin — the same ones every egress
    /// hop is held to (<see cref="EgressOptions.IsLiteralAllowed"/>, <see cref="EgressOptions.IsPortAllowed"/>).
    /// </summary>
    public static Uri Parse(string? value, EgressOptions egress)
    {
        ArgumentNullException.ThrowIfNull(egress);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrl, "The url query parameter is required.");
        }
        var text = value.Trim();
        if (text.Length > MaxLength)
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, $"The URL is longer than {MaxLength} characters.");
        }
        if (HasControlCharacters(text))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL contains control or invisible characters.");
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || !text.Contains("://", StringComparison.Ordinal))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL must be an absolute http:// or https:// URL.");
        }
        if (url.UserInfo.Length > 0 || Authority(text).Contains('@', StringComparison.Ordinal))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL must not carry a user name or password.");
        }
        if (url.Port is <= 0 or > 65535 || !HasValidPort(text, url))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL has an invalid port.");
        }
        var host = CanonicalHost(url);
        if (!egress.IsLiteralAllowed(host))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidHost, "The URL points at a private, loopback or link-local address.");
        }
        if (url.HostNameType != UriHostNameType.IPv6 && !IPAddress.TryParse(host, out _))
        {
            CheckHostName(host);
        }
        if (!egress.IsPortAllowed(url.Port))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat,
                $"The URL's port {url.Port} is not allowed (allowed: {string.Join(", ", egress.EffectivePorts)}).");
        }
        var unchanged = url.HostNameType == UriHostNameType.IPv6 ? HostPolicy.NormalizeHost(url.Host) == host : url.Host == host;
        // Policies, sources and the connection then all see the same ASCII host.
        return unchanged ? url : new UriBuilder(url) { Host = host }.Uri;
    }

    /// <summary>
    /// The host as the connection will use it: ASCII (IDNA), lower-case, no brackets, no trailing dot. Full-width
    /// ASCII, circled letters and ideographic dots are folded to ASCII first, so "ⓛocalhost", "１２７.０.０.１" and
    /// "127。0。0。1" are judged as what they spell whether or not the runtime's IDNA mapping (ICU) is available.
    /// </summary>
    private static string CanonicalHost(Uri url)
    {
        string host;
        try
        {
            if (url.HostNameType == UriHostNameType.IPv6)
            {
                host = url.Host; // without the zone id; an IPv6 literal is never IDNA-mapped
            }
            else
            {
                var folded = FoldCompatibilityForms(url.Host);
                host = folded.All(char.IsAscii) ? folded : new IdnMapping().GetAscii(folded);
            }
        }
        catch (ArgumentException)
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL's host is not a valid host name.");
        }
        host = HostPolicy.NormalizeHost(host);
        if (host.Length == 0)
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL has no host.");
        }
        return host;
    }

    private static string FoldCompatibilityForms(string host)
    {
        if (host.All(char.IsAscii))
        {
            return host;
        }
        return string.Create(host.Length, host, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c switch
                {
                    >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),          // full-width ASCII
                    >= '\u24B6' and <= '\u24CF' => (char)('a' + (c - '\u24B6')), // circled capital letters
                    >= '\u24D0' and <= '\u24E9' => (char)('a' + (c - '\u24D0')), // circled small letters
                    '\u3002' or '\uFF61' => '.',                                // ideographic and half-width full stops
                    _ => c,
                };
            }
        }).ToLowerInvariant();
    }

    /// <summary>A DNS name: bounded length and labels, valid punycode, and not a number (a mis-typed address).</summary>
    private static void CheckHostName(string host)
    {
        if (host.Length > MaxHostLength || host.Contains('%', StringComparison.Ordinal))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL's host is not a valid host name.");
        }
        var labels = host.Split('.');
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL's host is not a valid host name.");
            }
        }
        try
        {
            // Rejects broken punycode ("xn--", "xn--zz") that some resolvers would still look up.
            _ = new IdnMapping { UseStd3AsciiRules = false }.GetUnicode(host);
        }
        catch (ArgumentException)
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL's host is not valid punycode.");
        }
        // A last label made of digits (or 0x…) is an IP address notation nobody accepted: "999.1.1.1", "0x7g.1".
        var last = labels[^1];
        if (last.All(char.IsAsciiDigit) || last.StartsWith("0x", StringComparison.Ordinal))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL's host is neither a valid address nor a host name.");
        }
    }

    // Raw controls, Unicode format characters (zero-width, bidi overrides) and percent-encoded controls (%00-%1F, %7F):
    // no model URL needs them, and they hide what a URL really says.
    private static bool HasControlCharacters(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator)
            {
                return true;
            }
            if (c == '%' && i + 2 < text.Length && char.IsAsciiHexDigit(text[i + 1]) && char.IsAsciiHexDigit(text[i + 2]))
            {
                var b = Convert.ToByte(text.Substring(i + 1, 2), 16);
                if (b < 0x20 || b == 0x7F)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static string Authority(string text)
    {
        var authorityStart = text.IndexOf("//", StringComparison.Ordinal) + 2;
        var authorityEnd = text.IndexOfAny(['/', '?', '#', '\\'], authorityStart);
        return authorityEnd < 0 ? text[authorityStart..] : text[authorityStart..authorityEnd];
    }

    // Uri accepts an empty port ("http://host:/") and silently uses the default; reject what is not a plain number.
    private static bool HasValidPort(string text, Uri url)
    {
        var authority = Authority(text);
        var bracket = authority.LastIndexOf(']');
        var colon = authority.LastIndexOf(':');
        if (colon < 0 || colon < bracket)
        {
            return true;
        }
        var port = authority[(colon + 1)..];
        return port.Length > 0 && port.All(char.IsAsciiDigit) && url.Port > 0;
    }
}
