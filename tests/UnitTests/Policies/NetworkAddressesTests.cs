using System.Net;
using ModelGateway.Policies;

namespace ModelGateway.UnitTests.Policies;

public sealed class NetworkAddressesTests
{
    [Theory]
    // IPv4 special-purpose ranges, first and last address where it matters
    [InlineData("0.0.0.0")]
    [InlineData("0.255.255.255")]
    [InlineData("10.0.0.0")]
    [InlineData("10.255.255.255")]
    [InlineData("100.64.0.0")]
    [InlineData("100.127.255.255")]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("168.63.129.16")]
    [InlineData("169.254.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.0")]
    [InlineData("172.31.255.255")]
    [InlineData("192.0.0.8")]
    [InlineData("192.0.2.1")]
    [InlineData("192.31.196.1")]
    [InlineData("192.52.193.1")]
    [InlineData("192.88.99.1")]
    [InlineData("192.168.0.1")]
    [InlineData("192.168.255.255")]
    [InlineData("192.175.48.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.19.255.255")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.9")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    // IPv6 ranges
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("100::1")]
    [InlineData("100:0:0:1::1")]
    [InlineData("2001::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")] // Teredo
    [InlineData("2001:1ff::1")]
    [InlineData("2001:db8::1")]
    [InlineData("2620:4f:8000::1")]
    [InlineData("3fff::1")]
    [InlineData("5f00::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456:789a::1")]
    [InlineData("fe80::1")]
    [InlineData("febf:ffff::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    // IPv6 forms embedding a blocked IPv4 address
    [InlineData("::ffff:127.0.0.1")]      // mapped
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::ffff:0:127.0.0.1")]    // SIIT translated
    [InlineData("::ffff:0:192.168.1.1")]
    [InlineData("::127.0.0.1")]           // compatible
    [InlineData("::10.0.0.1")]
    [InlineData("::0.0.0.2")]
    [InlineData("64:ff9b::127.0.0.1")]    // NAT64 well-known
    [InlineData("64:ff9b::a9fe:a9fe")]    // NAT64 of 169.254.169.254
    [InlineData("64:ff9b:1::8.8.8.8")]    // local-use NAT64: always internal
    [InlineData("64:ff9b:2::1")]          // NAT64 outside the well-known /96
    [InlineData("2002:7f00:1::1")]        // 6to4 of 127.0.0.1
    [InlineData("2002:c0a8:101::")]       // 6to4 of 192.168.1.1
    [InlineData("2002:a9fe:a9fe::1")]     // 6to4 of 169.254.169.254
    public void IsPublic_BlockedAddress_False(string address)
    {
        Assert.False(NetworkAddresses.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("1.1.1.1")]
    [InlineData("8.8.8.8")]
    [InlineData("9.255.255.255")]    // just below 10/8
    [InlineData("11.0.0.0")]         // just above 10/8
    [InlineData("100.63.255.255")]   // just below CGNAT
    [InlineData("100.128.0.0")]      // just above CGNAT
    [InlineData("126.255.255.255")]
    [InlineData("128.0.0.0")]
    [InlineData("168.63.129.17")]
    [InlineData("169.253.255.255")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("192.167.255.255")]
    [InlineData("192.169.0.0")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("2001:200::1")]             // just above 2001::/23
    [InlineData("::ffff:8.8.8.8")]          // mapped public
    [InlineData("::ffff:0:8.8.8.8")]        // translated public
    [InlineData("::8.8.8.8")]               // compatible public
    [InlineData("64:ff9b::8.8.8.8")]        // NAT64 of a public address: how IPv6-only networks reach IPv4
    [InlineData("2002:808:808::1")]         // 6to4 of 8.8.8.8
    public void IsPublic_PublicAddress_True(string address)
    {
        Assert.True(NetworkAddresses.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1", "127.0.0.1")]
    [InlineData("::ffff:0:10.0.0.1", "10.0.0.1")]
    [InlineData("::192.168.0.1", "192.168.0.1")]
    [InlineData("64:ff9b::c0a8:1", "192.168.0.1")]
    [InlineData("2002:0a00:0001:1234::5", "10.0.0.1")]
    public void EmbeddedIPv4_EmbeddingForm_ReturnsIPv4(string v6, string expected)
    {
        Assert.Equal(IPAddress.Parse(expected), NetworkAddresses.EmbeddedIPv4(IPAddress.Parse(v6)));
    }

    [Theory]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("64:ff9b:1::1")]
    [InlineData("1.2.3.4")]
    public void EmbeddedIPv4_NoEmbedding_Null(string address)
    {
        Assert.Null(NetworkAddresses.EmbeddedIPv4(IPAddress.Parse(address)));
    }

    [Fact]
    public void IsPublic_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => NetworkAddresses.IsPublic(null!));
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("x.localhost", true)]
    [InlineData("localhost.example.com", false)]
    [InlineData("mylocalhost", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("2130706433", true)]
    [InlineData("0x7f.1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("example.com", false)]
    public void IsPrivateLiteral_Host_Expected(string host, bool expected)
    {
        Assert.Equal(expected, NetworkAddresses.IsPrivateLiteral(host));
    }
}
