using System.Security.Cryptography;
using System.Text;
using ModelGateway.Auth;
using ModelGateway.UnitTests.Infrastructure;

namespace ModelGateway.UnitTests.Auth;

public sealed class ApiKeyStoreTests
{
    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static ApiKeyOptions Keys(params (string Name, string KeySha256)[] keys) =>
        new() { Keys = [.. keys.Select(k => new ApiKeyEntry { Name = k.Name, KeySha256 = k.KeySha256 })] };

    [Fact]
    public void Find_ConfiguredKey_ItsEntry()
    {
        var store = new ApiKeyStore(new ReloadableOptionsMonitor<ApiKeyOptions>(Keys(("a", Hash("key-a")), ("b", Hash("key-b")))));

        Assert.Equal("a", store.Find("key-a")?.Name);
        Assert.Equal("b", store.Find("key-b")?.Name);
        Assert.Null(store.Find("key-c"));
        Assert.Null(store.Find(""));
        Assert.Null(store.Find(new string('k', ApiKeyStore.MaxKeyLength + 1)));
    }

    [Fact]
    public void Find_UpperCaseHexAndNonAsciiKey_MatchesItsUtf8Hash()
    {
        const string key = "clé-ключ-鍵";
        var store = new ApiKeyStore(new ReloadableOptionsMonitor<ApiKeyOptions>(Keys(("intl", Hash(key).ToUpperInvariant()))));

        Assert.Equal("intl", store.Find(key)?.Name);
    }

    [Fact]
    public void Find_LongestKey_Found()
    {
        var key = new string('k', ApiKeyStore.MaxKeyLength);
        var store = new ApiKeyStore(new ReloadableOptionsMonitor<ApiKeyOptions>(Keys(("long", Hash(key)))));

        Assert.Equal("long", store.Find(key)?.Name);
    }

    [Fact]
    public void Find_EntryWhoseHashDoesNotDecode_NeverMatches()
    {
        var store = new ApiKeyStore(new ReloadableOptionsMonitor<ApiKeyOptions>(Keys(("bad", "not-hex"), ("short", Hash("x")[..32]))));

        Assert.Null(store.Find("not-hex"));
        Assert.Null(store.Find("x"));
    }

    [Fact]
    public void Find_AfterReload_NewKeysApplyAtOnce()
    {
        var monitor = new ReloadableOptionsMonitor<ApiKeyOptions>(Keys(("old", Hash("old-key"))));
        var store = new ApiKeyStore(monitor);
        Assert.Equal("old", store.Find("old-key")?.Name);

        monitor.CurrentValue = Keys(("new", Hash("new-key")));

        Assert.Null(store.Find("old-key"));
        Assert.Equal("new", store.Find("new-key")?.Name);
    }
}
