using ModelGateway.Egress;
using ModelGateway.Assets;
using ModelGateway.Primitives;

namespace ModelGateway.UnitTests.Assets;

public sealed class RemoteUrlParserTests
{
    private static readonly EgressOptions Blocked = new();
    private static readonly EgressOptions Lab = new() { AllowPrivateNetworks = true };

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_Missing_InvalidUrl(string? value)
    {
        AssertRejected(value, ErrorCodes.InvalidUrl);
    }

    [Theory]
    // literal addresses in every notation
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0x7f000001/")]
    [InlineData("http://0x7F000001/")]
    [InlineData("http://0177.0.0.1/")]
    [InlineData("http://017700000001/")]
    [InlineData("http://127.1/")]
    [InlineData("http://0x7f.1/")]
    [InlineData("http://127.000.000.001/")]
    [InlineData("http://127.0.0.1./")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[0:0:0:0:0:0:0:1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://[::ffff:7f00:1]/")]
    [InlineData("http://[0:0:0:0:0:ffff:7f00:1]/")]
    [InlineData("http://[::127.0.0.1]/")]
    [InlineData("http://[64:ff9b::127.0.0.1]/")]
    [InlineData("http://[2002:7f00:1::1]/")]
    [InlineData("http://[fe80::1%25eth0]/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://0/")]
    [InlineData("http://[::]/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://172.16.5.4/")]
    [InlineData("http://192.168.1.1:443/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://[fd00::1]/")]
    [InlineData("http://224.0.0.1/")]
    [InlineData("https://255.255.255.255/")]
    // localhost in its spellings
    [InlineData("http://localhost/")]
    [InlineData("http://LOCALHOST/")]
    [InlineData("http://localhost./")]
    [InlineData("http://api.localhost/")]
    [InlineData("http://a.b.LocalHost./x")]
    // only after IDNA mapping do these say what they reach
    [InlineData("http://\u24DBocalhost/")]                                  // circled l
    [InlineData("http://\uFF11\uFF12\uFF17.\uFF10.\uFF10.\uFF11/")]         // full-width digits
    [InlineData("http://127\u30020\u30020\u30021/")]                       // ideographic full stops
    [InlineData("http://LOCALHOST\uFF0E/")]                                 // full-width dot
    [InlineData("http://\u24C1\u24C4\u24B8\u24B6\u24C1\u24BD\u24C4\u24C8\u24C9/")] // circled capitals
    [InlineData("http://\uFF10\uFF58\uFF17\uFF46\uFF10\uFF10\uFF10\uFF10\uFF10\uFF11/")] // full-width 0x7f000001
    public void Parse_PrivateLiteralOrLocalhost_InvalidHost(string value)
    {
        AssertRejected(value, ErrorCodes.InvalidHost);
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://example.com/")]
    [InlineData("ftp://example.com/model.safetensors")]
    [InlineData("dict://example.com:11211/")]
    [InlineData("ldap://example.com/")]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:text/plain,hi")]
    [InlineData("//example.com/model.safetensors")]
    [InlineData("example.com/model.safetensors")]
    [InlineData("/relative/path")]
    [InlineData("http:example.com")]
    [InlineData("http:/example.com")]
    [InlineData("http:///example.com")]
    [InlineData("http://")]
    [InlineData("http://[::1")]
    [InlineData("http://user:pass@example.com/")]
    [InlineData("http://user@example.com/")]
    [InlineData("http://example.com@127.0.0.1/")]
    [InlineData("http://:@example.com/")]
    [InlineData("http://example.com\\@127.0.0.1/")]
    [InlineData("http://example.com:0/")]
    [InlineData("http://example.com:65536/")]
    [InlineData("http://example.com:/")]
    [InlineData("http://example.com:8o/")]
    [InlineData("http://example.com:22/")]      // not an allowed port
    [InlineData("http://example.com:6379/")]
    [InlineData("https://example.com:8443/")]
    [InlineData("http://example.com/a\r\nX-Injected: 1")]
    [InlineData("http://example.com/a\nb")]
    [InlineData("http://exa\tmple.com/")]
    [InlineData("http://example.com/\0")]
    [InlineData("http://example.com/a%0d%0aX-Injected:%201")]
    [InlineData("http://example.com/a%00.safetensors")]
    [InlineData("http://example.com/%7F")]
    [InlineData("http://exa\u200Bmple.com/")]   // zero-width space
    [InlineData("http://example.com/\u202Egnp.safetensors")] // right-to-left override
    [InlineData("http://999.1.1.1/")]
    [InlineData("http://0x7g.1/")]
    [InlineData("http://1.2.3.4.5/")]
    [InlineData("http://xn--/")]
    [InlineData("http://xn--zz/")]
    [InlineData("http://exa%2Dmple.com/")]
    [InlineData("http://a..b/")]
    [InlineData("http://localhost../")]
    [InlineData("http://\uFF45xample.com\uFF20127.0.0.1/")]               // full-width @ folds into the host
    public void Parse_Malformed_InvalidUrlFormat(string value)
    {
        AssertRejected(value, ErrorCodes.InvalidUrlFormat);
    }

    [Fact]
    public void Parse_OverLongUrl_InvalidUrlFormat()
    {
        AssertRejected("https://example.com/" + new string('a', RemoteUrlParser.MaxLength), ErrorCodes.InvalidUrlFormat);
    }

    [Fact]
    public void Parse_OverLongHost_InvalidUrlFormat()
    {
        var host = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + ".com"; // 309 characters
        AssertRejected($"https://{host}/", ErrorCodes.InvalidUrlFormat);
    }

    [Theory]
    [InlineData("https://huggingface.co/org/repo/resolve/main/model.safetensors", "https://huggingface.co/org/repo/resolve/main/model.safetensors")]
    [InlineData("  https://civitai.com/api/download/models/123?type=Model  ", "https://civitai.com/api/download/models/123?type=Model")]
    [InlineData("HTTPS://Example.COM/Model.safetensors", "https://example.com/Model.safetensors")]
    [InlineData("https://example.com./model.safetensors", "https://example.com/model.safetensors")]
    [InlineData("http://example.com:80/a", "http://example.com/a")]
    [InlineData("http://example.com:443/a", "http://example.com:443/a")]
    [InlineData("https://8.8.8.8/a", "https://8.8.8.8/a")]
    [InlineData("https://\uFF18.\uFF18.\uFF18.\uFF18/a", "https://8.8.8.8/a")]
    [InlineData("https://134744072/a", "https://8.8.8.8/a")]
    [InlineData("https://[2606:4700:4700::1111]/a", "https://[2606:4700:4700::1111]/a")]
    [InlineData("https://\uFF45xample.com/a", "https://example.com/a")]        // full-width e: the ASCII host policies see
    [InlineData("https://b\u00FCcher.example/a", "https://xn--bcher-kva.example/a")]
    [InlineData("https://example.com/my%20model.safetensors", "https://example.com/my%20model.safetensors")]
    [InlineData("https://example.com/my model.safetensors", "https://example.com/my%20model.safetensors")]
    [InlineData("https://cdn_1.example.com/a", "https://cdn_1.example.com/a")]
    [InlineData("https://example.com/a?sig=%2F%2B", "https://example.com/a?sig=%2F%2B")]
    public void Parse_PublicUrl_CanonicalAsciiUrl(string value, string expected)
    {
        Assert.Equal(expected, RemoteUrlParser.Parse(value, Blocked).AbsoluteUri);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5123/x", "http://127.0.0.1:5123/x")]
    [InlineData("http://localhost:5123/x", "http://localhost:5123/x")]
    [InlineData("http://[::1]:5123/x", "http://[::1]:5123/x")]
    [InlineData("http://example.com:22/", "http://example.com:22/")]
    public void Parse_AllowPrivateNetworks_AcceptsLoopbackAndAnyPort(string value, string expected)
    {
        Assert.Equal(expected, RemoteUrlParser.Parse(value, Lab).AbsoluteUri);
    }

    [Fact]
    public void Parse_ConfiguredPorts_OnlyThose()
    {
        var options = new EgressOptions { AllowedPorts = [8080] };

        Assert.Equal("http://example.com:8080/", RemoteUrlParser.Parse("http://example.com:8080/", options).AbsoluteUri);
        AssertRejected("https://example.com/", ErrorCodes.InvalidUrlFormat, options);
    }

    private static void AssertRejected(string? value, string code, EgressOptions? options = null)
    {
        var ex = Assert.Throws<GatewayException>(() => RemoteUrlParser.Parse(value, options ?? Blocked));
        Assert.Equal(code, ex.Code);
        Assert.Equal(400, ex.StatusCode);
    }
}
