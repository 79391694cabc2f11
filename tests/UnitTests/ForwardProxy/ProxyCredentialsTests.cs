using System.Text;
using ModelGateway.ForwardProxy;

namespace ModelGateway.UnitTests.ForwardProxy;

public sealed class ProxyCredentialsTests
{
    [Theory]
    [InlineData("user:the-key", "the-key")]
    [InlineData("the-key:", "the-key")]
    [InlineData("the-key", "the-key")]
    [InlineData("team:key:with:colons", "key:with:colons")]
    [InlineData(":the-key", "the-key")]
    public void Basic_PasswordIsTheKey_OrTheUserNameWhenThereIsNone(string pair, string key)
    {
        Assert.Equal(key, ProxyCredentials.Key("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(pair))));
        Assert.Equal(key, ProxyCredentials.Key("basic  " + Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)) + " "));
    }

    [Theory]
    [InlineData("Bearer the-key", "the-key")]
    [InlineData("bearer   the-key ", "the-key")]
    public void Bearer_TheToken(string value, string key)
    {
        Assert.Equal(key, ProxyCredentials.Key(value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic")]
    [InlineData("Bearer ")]
    [InlineData("Basic !!!notbase64")]
    [InlineData("Basic Og==")] // ":"
    [InlineData("Digest username=\"a\", response=\"b\"")]
    [InlineData("Negotiate YIIB")]
    public void NoKey_Null(string? value)
    {
        Assert.Null(ProxyCredentials.Key(value));
    }

    [Fact]
    public void NotUtf8OrTooLong_Null()
    {
        Assert.Null(ProxyCredentials.Key("Basic " + Convert.ToBase64String([0x75, 0x3a, 0xff, 0xfe])));
        Assert.Null(ProxyCredentials.Key("Bearer " + new string('k', 3000)));
    }
}
