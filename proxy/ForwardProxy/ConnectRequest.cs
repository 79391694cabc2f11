using System.Buffers;
using System.Globalization;
using System.Text;
using ModelGateway.Policies;

namespace ModelGateway.ForwardProxy;

/// <summary>A client's <c>CONNECT host:port HTTP/1.1</c> head: the authority asked for and its <c>Proxy-Authorization</c>.</summary>
internal sealed record ConnectRequest(string Host, int Port, string? ProxyAuthorization)
{
    /// <summary>Largest CONNECT head read (request line and headers).</summary>
    public const int MaxHeadBytes = 16 * 1024;

    private static readonly System.Buffers.SearchValues<char> NotInAuthority = System.Buffers.SearchValues.Create("@/?#\\%");

    private static ReadOnlySpan<byte> Method => "CONNECT "u8;

    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    /// <summary>How the first bytes of a connection read.</summary>
    public enum Start
    {
        /// <summary>Not enough bytes yet to tell.</summary>
        Undecided,

        /// <summary>A CONNECT request line starts.</summary>
        Connect,

        /// <summary>Anything else: an ordinary (absolute-form) request for Kestrel to parse.</summary>
        Other,
    }

    /// <summary>Whether <paramref name="buffer"/> starts a CONNECT request.</summary>
    public static Start Classify(ReadOnlySequence<byte> buffer)
    {
        Span<byte> first = stackalloc byte[Method.Length];
        var length = (int)Math.Min(buffer.Length, first.Length);
        buffer.Slice(0, length).CopyTo(first);
        if (!first[..length].SequenceEqual(Method[..length]))
        {
            return Start.Other;
        }
        return length == Method.Length ? Start.Connect : Start.Undecided;
    }

    /// <summary>Where the head in <paramref name="buffer"/> ends (after its blank line), or null when it has not all arrived.</summary>
    public static SequencePosition? EndOfHead(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, HeadEnd, advancePastDelimiter: true) ? reader.Position : null;
    }

    /// <summary>Parses a complete head (with its blank line); null when it is not a well-formed CONNECT.</summary>
    public static ConnectRequest? Parse(ReadOnlySequence<byte> head)
    {
        if (head.Length > MaxHeadBytes)
        {
            return null;
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(head.ToArray());
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        var lines = text.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine is not ["CONNECT", var authority, "HTTP/1.1" or "HTTP/1.0"] || ParseAuthority(authority) is not var (host, port))
        {
            return null;
        }
        string? proxyAuthorization = null;
        var authorizations = 0;
        foreach (var line in lines.Skip(1).TakeWhile(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line.AsSpan(0, colon).ContainsAny(' ', '\t'))
            {
                return null;
            }
            if (line.AsSpan(0, colon).Equals(ProxyCredentials.HeaderName, StringComparison.OrdinalIgnoreCase))
            {
                proxyAuthorization = line[(colon + 1)..].Trim(' ', '\t');
                authorizations++;
            }
        }
        // Two credentials: neither is believed.
        return new ConnectRequest(host, port, authorizations == 1 ? proxyAuthorization : null);
    }

    /// <summary><c>host:port</c> or <c>[v6]:port</c>, the port required; the host normalized.</summary>
    public static (string Host, int Port)? ParseAuthority(string authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (authority.AsSpan().IndexOfAny(NotInAuthority) >= 0)
        {
            return null;
        }
        var colon = authority.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(authority.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return null;
        }
        var host = authority[..colon];
        if (host.StartsWith('[') != host.EndsWith(']') || (!host.StartsWith('[') && host.Contains(':', StringComparison.Ordinal)))
        {
            return null;
        }
        var normalized = HostPolicy.NormalizeHost(host);
        return normalized.Length > 0 && Uri.CheckHostName(normalized) != UriHostNameType.Unknown ? (normalized, port) : null;
    }
}
