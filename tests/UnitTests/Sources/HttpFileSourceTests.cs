using Microsoft.Extensions.Logging.Abstractions;
using ModelGateway.Egress;
using ModelGateway.Assets;
using ModelGateway.Sources;

namespace ModelGateway.UnitTests.Sources;

public sealed class HttpFileSourceTests
{
    private static readonly HttpFileSource Source = new(null!, NullLogger<HttpFileSource>.Instance);

    [Theory]
    [InlineData("https://files.example.org/models/sd_xl_base_1.0.safetensors")]
    [InlineData("https://files.example.org/m.safetensors?download=true&token=abc")]
    [InlineData("HTTPS://Files.Example.ORG:443/a%20b/%C3%A9t%C3%A9.safetensors?q=%2F")]
    [InlineData("http://files.example.org:8080/dir/../m.safetensors?")]
    [InlineData("https://xn--bcher-kva.example/m.safetensors")]
    [InlineData("https://bücher.example/m.safetensors")]
    [InlineData("http://[2001:db8::1]:8443/m.safetensors")]
    [InlineData("https://files.example.org/ünïcode path/m.safetensors?name=ä b")]
    public void CacheKey_WithoutFragment_AsTheRebuiltUrl(string raw)
    {
        var url = RemoteUrlParser.Parse(raw, new EgressOptions { AllowPrivateNetworks = true });

        Assert.Equal(new UriBuilder(url) { Fragment = string.Empty }.Uri.AbsoluteUri, Source.TryRecognize(url).CacheKey);
    }

    [Fact]
    public void CacheKey_Fragment_Dropped()
    {
        var url = RemoteUrlParser.Parse("https://files.example.org/m.safetensors?a=1#part", new EgressOptions());

        Assert.Equal("https://files.example.org/m.safetensors?a=1", Source.TryRecognize(url).CacheKey);
    }
}
