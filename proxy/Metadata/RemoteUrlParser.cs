using System.Net;
using ModelGateway.Policies;

namespace ModelGateway.Metadata;

/// <summary>Turns the <c>url</c> query parameter into an absolute http(s) <see cref="Uri"/>, or a documented 400.</summary>
public static class RemoteUrlParser
{
    public const int MaxLength = 2048;

    /// <param name="allowPrivateNetworks">When false, literal private/loopback addresses and <c>localhost</c> are refused.</param>
    public static Uri Parse(string? value, bool allowPrivateNetworks)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrl, "The url query parameter is required.");
        }
        var text = value.Trim();
        if (text.Length > MaxLength)
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, $"The URL is longer than {MaxLength} characters.");
        }
        if (text.Any(char.IsControl))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL contains control characters.");
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL must be an absolute http:// or https:// URL.");
        }
        if (url.UserInfo.Length > 0)
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL must not carry a user name or password.");
        }
        if (url.Port is <= 0 or > 65535 || !HasValidPort(text, url))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL has an invalid port.");
        }
        var host = HostPolicy.NormalizeHost(url.Host);
        if (host.Length == 0)
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "The URL has no host.");
        }
        if (!allowPrivateNetworks && IsPrivateLiteral(host))
        {
            throw GatewayException.BadRequest(ErrorCodes.InvalidHost, "The URL points at a private, loopback or link-local address.");
        }
        return url;
    }

    /// <summary>A literal address that is not public, or a <c>localhost</c> name (which always resolves to loopback).</summary>
    public static bool IsPrivateLiteral(string normalizedHost)
    {
        if (normalizedHost == "localhost" || normalizedHost.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return true;
        }
        return IPAddress.TryParse(normalizedHost, out var address) && !NetworkAddresses.IsPublic(address);
    }

    // Uri accepts an empty port ("http://host:/") and silently uses the default; reject what is not a plain number.
    private static bool HasValidPort(string text, Uri url)
    {
        var authorityStart = text.IndexOf("//", StringComparison.Ordinal) + 2;
        var authorityEnd = text.IndexOfAny(['/', '?', '#'], authorityStart);
        var authority = authorityEnd < 0 ? text[authorityStart..] : text[authorityStart..authorityEnd];
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
