using System.Buffers.Text;
using System.Text;

namespace ModelGateway.ForwardProxy;

/// <summary>The gateway key as a proxy client presents it in <c>Proxy-Authorization</c>.</summary>
internal static class ProxyCredentials
{
    public const string HeaderName = "Proxy-Authorization";

    /// <summary>What a 407 answer asks for: Basic, the key as the password (any user name).</summary>
    public const string Challenge = "Basic realm=\"model-gateway\", charset=\"UTF-8\"";

    private const int MaxValueLength = 2048;

    /// <summary>
    /// The key in <paramref name="value"/>: <c>Basic base64(user:key)</c> — what curl, wget, aria2c, Python clients and
    /// Chromium send for a proxy URL <c>http://user:key@host:port</c>; the user name is the key when the password is
    /// empty (<c>http://key@host:port</c>) — or <c>Bearer key</c>. Null when there is none or it cannot be read.
    /// </summary>
    public static string? Key(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxValueLength)
        {
            return null;
        }
        var trimmed = value.Trim();
        var space = trimmed.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return null;
        }
        var scheme = trimmed.AsSpan(0, space);
        var parameter = trimmed.AsSpan(space + 1).Trim(' ');
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return parameter.Length > 0 ? parameter.ToString() : null;
        }
        if (!scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(parameter.Length)];
        if (!Convert.TryFromBase64Chars(parameter, decoded, out var written))
        {
            return null;
        }
        string pair;
        try
        {
            pair = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(decoded, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        var colon = pair.IndexOf(':', StringComparison.Ordinal);
        var user = colon < 0 ? pair : pair[..colon];
        var password = colon < 0 ? string.Empty : pair[(colon + 1)..];
        var key = password.Length > 0 ? password : user;
        return key.Length > 0 ? key : null;
    }
}
