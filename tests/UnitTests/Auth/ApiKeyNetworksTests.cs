using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using ModelGateway.Auth;
using ModelGateway.UnitTests.Infrastructure;

namespace ModelGateway.UnitTests.Auth;

/// <summary><c>ApiKeys:N:Networks</c>: which entry a key-less client's address is, and what the validator accepts.</summary>
public sealed class ApiKeyNetworksTests
{
    private static readonly string Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("key-a")));

    private static ApiKeyStore Store(params ApiKeyEntry[] entries) =>
        new(new ReloadableOptionsMonitor<ApiKeyOptions>(new ApiKeyOptions { Keys = [.. entries] }));

    [Theory]
    [InlineData("10.20.3.4", "office")]
    [InlineData("::ffff:10.20.3.4", "office")]
    [InlineData("192.168.7.9", "lab")]
    [InlineData("fd00:1::5", "lab")]
    [InlineData("10.21.0.1", null)]
    [InlineData("127.0.0.1", null)]
    public void FindByNetwork_TheFirstEntryWhoseNetworkHoldsTheAddress(string address, string? expected)
    {
        var store = Store(
            new ApiKeyEntry { Name = "team", KeySha256 = Hash },
            new ApiKeyEntry { Name = "office", Networks = ["10.20.0.0/16"] },
            new ApiKeyEntry { Name = "lab", KeySha256 = Hash, Networks = ["192.168.7.0/24", "fd00:1::/64", "10.20.3.0/24"] });

        Assert.Equal(expected, store.FindByNetwork(IPAddress.Parse(address))?.Name);
    }

    [Fact]
    public void FindByNetwork_NoAddressOrNoNetworks_Null()
    {
        var store = Store(new ApiKeyEntry { Name = "team", KeySha256 = Hash });

        Assert.Null(store.FindByNetwork(null));
        Assert.Null(store.FindByNetwork(IPAddress.Loopback));
    }

    [Fact]
    public void Find_AnEntryWithNetworksOnly_NeverMatchesAKey()
    {
        var store = Store(new ApiKeyEntry { Name = "office", Networks = ["10.20.0.0/16"] });

        Assert.Null(store.Find(""));
        Assert.Null(store.Find("key-a"));
    }

    [Fact]
    public void Validate_NetworksOnlyEntry_NoProblem_MalformedNetworksNamed()
    {
        Assert.Empty(Problems(new() { ["ApiKeys:0:Name"] = "office", ["ApiKeys:0:Networks:0"] = "10.20.0.0/16", ["ApiKeys:0:Networks:1"] = "fd00::/8" }));
        Assert.Equal(
        [
            "ApiKeys:0:Networks:0: \"10.20.0.1/16\" is not a network in CIDR form with no bits set past its prefix (10.20.0.0/16, fd00::/64).",
            "ApiKeys:0:Networks:1: \"office\" is not a network in CIDR form with no bits set past its prefix (10.20.0.0/16, fd00::/64).",
        ], Problems(new() { ["ApiKeys:0:Name"] = "office", ["ApiKeys:0:Networks:0"] = "10.20.0.1/16", ["ApiKeys:0:Networks:1"] = "office" }));
        Assert.Equal(["ApiKeys:0:KeySha256 must be the 64-digit hex SHA-256 of the key (see README: \"Adding an API key\")."],
            Problems(new() { ["ApiKeys:0:Name"] = "nothing" }));
    }

    private static List<string> Problems(Dictionary<string, string?> settings)
    {
        var problems = new List<string>();
        new ApiKeysConfigValidator().Validate(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), problems);
        return problems;
    }
}
