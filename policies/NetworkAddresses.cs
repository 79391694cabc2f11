using System.Net;
using System.Net.Sockets;

namespace ModelGateway.Policies;

/// <summary>
/// Which IP addresses a user-supplied URL may reach: public unicast only. Loopback, private (RFC 1918, unique-local),
/// link-local (cloud metadata at 169.254.169.254), CGNAT, multicast, reserved, documentation and unspecified ranges
/// are refused, including IPv6 forms that embed one of those IPv4 addresses (mapped, translated, compatible, NAT64,
/// 6to4). The ranges follow the IANA special-purpose registries as Microsoft AntiSSRF's <c>ExternalOnlyLatest</c>
/// lists them, except that well-known NAT64 and 6to4 addresses are judged by the IPv4 address they carry (an
/// IPv6-only network reaches every public IPv4 host through 64:ff9b::/96).
/// </summary>
public static class NetworkAddresses
{
    private static readonly (IPAddress Network, int PrefixLength)[] BlockedV4 =
    [
        (IPAddress.Parse("0.0.0.0"), 8),        // "this network", unspecified
        (IPAddress.Parse("10.0.0.0"), 8),       // RFC 1918
        (IPAddress.Parse("100.64.0.0"), 10),    // CGNAT
        (IPAddress.Parse("127.0.0.0"), 8),      // loopback
        (IPAddress.Parse("168.63.129.16"), 32), // Azure host endpoint (wireserver): metadata-like, reachable from VMs
        (IPAddress.Parse("169.254.0.0"), 16),   // link-local, cloud metadata
        (IPAddress.Parse("172.16.0.0"), 12),    // RFC 1918
        (IPAddress.Parse("192.0.0.0"), 24),     // IETF protocol assignments
        (IPAddress.Parse("192.0.2.0"), 24),     // TEST-NET-1
        (IPAddress.Parse("192.31.196.0"), 24),  // AS112-v4
        (IPAddress.Parse("192.52.193.0"), 24),  // AMT
        (IPAddress.Parse("192.88.99.0"), 24),   // 6to4 relay anycast
        (IPAddress.Parse("192.168.0.0"), 16),   // RFC 1918
        (IPAddress.Parse("192.175.48.0"), 24),  // AS112 direct delegation
        (IPAddress.Parse("198.18.0.0"), 15),    // benchmarking
        (IPAddress.Parse("198.51.100.0"), 24),  // TEST-NET-2
        (IPAddress.Parse("203.0.113.0"), 24),   // TEST-NET-3
        (IPAddress.Parse("224.0.0.0"), 4),      // multicast
        (IPAddress.Parse("240.0.0.0"), 4),      // reserved, broadcast
    ];

    private static readonly (IPAddress Network, int PrefixLength)[] BlockedV6 =
    [
        (IPAddress.Parse("::"), 128),           // unspecified
        (IPAddress.Parse("::1"), 128),          // loopback
        (IPAddress.Parse("64:ff9b::"), 32),     // NAT64 outside the well-known /96 (local-use 64:ff9b:1::/48 translates into the local network)
        (IPAddress.Parse("100::"), 64),         // discard-only
        (IPAddress.Parse("100:0:0:1::"), 64),   // dummy prefix
        (IPAddress.Parse("2001::"), 23),        // IETF protocol assignments, incl. Teredo (tunnels to arbitrary IPv4)
        (IPAddress.Parse("2001:db8::"), 32),    // documentation
        (IPAddress.Parse("2620:4f:8000::"), 48), // AS112-v6
        (IPAddress.Parse("3fff::"), 20),        // documentation
        (IPAddress.Parse("5f00::"), 16),        // SRv6 SIDs
        (IPAddress.Parse("fc00::"), 7),         // unique-local
        (IPAddress.Parse("fe80::"), 10),        // link-local
        (IPAddress.Parse("fec0::"), 10),        // site-local (deprecated)
        (IPAddress.Parse("ff00::"), 8),         // multicast
    ];

    /// <summary>True when <paramref name="address"/> is a public unicast address a probe may connect to.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (EmbeddedIPv4(address) is { } embedded)
            {
                return IsPublic(embedded);
            }
            return !BlockedV6.Any(range => InRange(address, range.Network, range.PrefixLength));
        }
        return address.AddressFamily == AddressFamily.InterNetwork
            && !BlockedV4.Any(range => InRange(address, range.Network, range.PrefixLength));
    }

    /// <summary>
    /// A host, as <see cref="HostPolicy.NormalizeHost"/> gives it, that names a non-public address by itself: a literal
    /// address that is not public, or a <c>localhost</c> name (which always resolves to loopback).
    /// </summary>
    public static bool IsPrivateLiteral(string normalizedHost)
    {
        ArgumentNullException.ThrowIfNull(normalizedHost);
        if (normalizedHost == "localhost" || normalizedHost.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return true;
        }
        // IPAddress.TryParse reads what the resolver would: 2130706433, 0x7f000001, 0177.0.0.1, 127.1, IPv6 forms.
        return IPAddress.TryParse(normalizedHost, out var address) && !IsPublic(address);
    }

    /// <summary>
    /// The IPv4 address an IPv6 address stands for — mapped (::ffff:a.b.c.d), translated (::ffff:0:a.b.c.d),
    /// compatible (::a.b.c.d), well-known NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:AABB:CCDD::) — if any.
    /// </summary>
    public static IPAddress? EmbeddedIPv4(IPAddress v6)
    {
        ArgumentNullException.ThrowIfNull(v6);
        if (v6.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }
        if (v6.IsIPv4MappedToIPv6)
        {
            return v6.MapToIPv4();
        }
        Span<byte> bytes = stackalloc byte[16];
        v6.TryWriteBytes(bytes, out _);
        var first12Zero = bytes[..12].IndexOfAnyExcept((byte)0) < 0;
        // ::a.b.c.d (IPv4-compatible, deprecated) — but not :: and ::1, which are IPv6's own.
        if (first12Zero && !(bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0 && bytes[15] <= 1))
        {
            return new IPAddress(bytes[12..]);
        }
        // ::ffff:0:a.b.c.d (SIIT IPv4-translated).
        if (bytes[..8].IndexOfAnyExcept((byte)0) < 0 && bytes[8] == 0xff && bytes[9] == 0xff && bytes[10] == 0 && bytes[11] == 0)
        {
            return new IPAddress(bytes[12..]);
        }
        // 64:ff9b::/96, NAT64 well-known prefix.
        if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && bytes[4..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return new IPAddress(bytes[12..]);
        }
        // 2002:AABB:CCDD::/48 (6to4) carries the IPv4 address in bytes 2..5.
        if (bytes[0] == 0x20 && bytes[1] == 0x02)
        {
            return new IPAddress(bytes[2..6]);
        }
        return null;
    }

    private static bool InRange(IPAddress address, IPAddress network, int prefixLength)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }
        Span<byte> a = stackalloc byte[16];
        Span<byte> n = stackalloc byte[16];
        address.TryWriteBytes(a, out var length);
        network.TryWriteBytes(n, out _);
        var fullBytes = prefixLength / 8;
        if (!a[..fullBytes].SequenceEqual(n[..fullBytes]))
        {
            return false;
        }
        var remainingBits = prefixLength % 8;
        if (remainingBits == 0 || fullBytes >= length)
        {
            return true;
        }
        var mask = (byte)(0xFF << (8 - remainingBits));
        return (a[fullBytes] & mask) == (n[fullBytes] & mask);
    }
}
