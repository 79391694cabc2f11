using ModelGateway.Sources;

namespace ModelGateway.UnitTests.Sources;

public sealed class UrlCredentialsTests
{
    [Theory]
    [InlineData("https://h.example/f.safetensors?token=abc", "https://h.example/f.safetensors")]
    [InlineData("https://h.example/f.safetensors?token=abc&download=true", "https://h.example/f.safetensors?download=true")]
    [InlineData("https://h.example/f.safetensors?a=1&TOKEN=abc&b=2", "https://h.example/f.safetensors?a=1&b=2")]
    [InlineData("https://h.example/f?access_token=1&api_key=2&apikey=3&key=4&auth=5&password=6&secret=7&client_secret=8&session=9", "https://h.example/f")]
    [InlineData("https://h.example/f?%74oken=abc", "https://h.example/f")]
    [InlineData("https://user:pass@h.example/f.gguf", "https://h.example/f.gguf")]
    [InlineData("https://h.example/f.gguf#token=abc", "https://h.example/f.gguf")]
    [InlineData("https://h.example:8443/f.gguf?type=Model", "https://h.example:8443/f.gguf?type=Model")]
    [InlineData("https://h.example/f.gguf", "https://h.example/f.gguf")]
    public void Strip_RemovesSecrets_KeepsTheRest(string url, string expected)
    {
        Assert.Equal(expected, UrlCredentials.Strip(new Uri(url)).AbsoluteUri);
    }

    [Theory]
    [InlineData("token")]
    [InlineData("TOKEN")]
    [InlineData("access_token")]
    [InlineData("private_token")]
    [InlineData("hf_token")]
    [InlineData("access-token")]
    [InlineData("accessToken")]
    [InlineData("id_token")]
    [InlineData("key")]
    [InlineData("api_key")]
    [InlineData("apikey")]
    [InlineData("apiKey")]
    [InlineData("x-api-key")]
    [InlineData("sig")]
    [InlineData("signature")]
    [InlineData("Signature")]
    [InlineData("auth")]
    [InlineData("authorization")]
    [InlineData("oauth_token")]
    [InlineData("password")]
    [InlineData("passwd")]
    [InlineData("db_password")]
    [InlineData("pwd")]
    [InlineData("secret")]
    [InlineData("client_secret")]
    [InlineData("session")]
    [InlineData("sessionid")]
    [InlineData("PHPSESSID")]
    [InlineData("credential")]
    [InlineData("credentials")]
    [InlineData("X-Amz-Credential")]
    [InlineData("X-Amz-Date")]
    [InlineData("X-Amz-Security-Token")]
    [InlineData("X-Amz-Signature")]
    [InlineData("x-amz-expires")]
    [InlineData("X-Goog-Signature")]
    [InlineData("X-Goog-Date")]
    [InlineData("Expires")]
    [InlineData("expires")]
    [InlineData("Key-Pair-Id")]
    [InlineData("cookie")]
    [InlineData("bearer")]
    [InlineData("jwt")]
    public void Strip_CredentialLookingParameter_Removed(string name)
    {
        var url = new Uri($"https://h.example/f.safetensors?v=1&{Uri.EscapeDataString(name)}=s3cr3t&type=Model");

        Assert.True(UrlCredentials.IsCredentialName(name));
        Assert.Equal("https://h.example/f.safetensors?v=1&type=Model", UrlCredentials.Strip(url).AbsoluteUri);
    }

    [Theory]
    [InlineData("v")]
    [InlineData("type")]
    [InlineData("format")]
    [InlineData("download")]
    [InlineData("modelVersionId")]
    [InlineData("fp")]
    [InlineData("size")]
    [InlineData("revision")]
    public void Strip_OrdinaryParameter_Kept(string name)
    {
        var url = new Uri($"https://h.example/f.safetensors?{name}=1");

        Assert.False(UrlCredentials.IsCredentialName(name));
        Assert.Equal(url.AbsoluteUri, UrlCredentials.Strip(url).AbsoluteUri);
    }

    [Theory]
    [InlineData("https://bucket.s3.amazonaws.com/m.safetensors?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a&X-Amz-Date=b&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=c")]
    [InlineData("https://acc.r2.cloudflarestorage.com/models/1?X-Amz-Expires=86400&response-content-disposition=attachment&X-Amz-Signature=abc")]
    [InlineData("https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=abc")]
    [InlineData("https://storage.googleapis.com/b/o?GoogleAccessId=x&Expires=1&Signature=y")]
    [InlineData("https://d111.cloudfront.net/m.bin?Expires=1&Signature=abc&Key-Pair-Id=K")]
    [InlineData("https://d111.cloudfront.net/m.bin?Policy=abc&Signature=def&Key-Pair-Id=K")]
    [InlineData("https://acct.blob.core.windows.net/c/m.bin?sv=2021&se=2030&sr=b&sp=r&sig=abc")]
    [InlineData("https://bucket.s3.amazonaws.com/m.bin?x-amz-signature=lower")]
    public void IsPresigned_SignedStorageUrls_True(string url)
    {
        Assert.True(UrlCredentials.IsPresigned(new Uri(url)));
    }

    [Theory]
    [InlineData("https://civitai.com/api/download/models/123")]
    [InlineData("https://huggingface.co/org/repo/resolve/main/m.safetensors?download=true")]
    [InlineData("https://files.example.com/m.safetensors?type=Model&format=SafeTensor")]
    public void IsPresigned_OrdinaryUrls_False(string url)
    {
        Assert.False(UrlCredentials.IsPresigned(new Uri(url)));
    }

    [Fact]
    public void CanonicalFinalUrl_SingleHop_StrippedOfToken()
    {
        var hops = new[] { new Uri("https://files.example.com/m.safetensors?token=secret") };

        Assert.Equal("https://files.example.com/m.safetensors", UrlCredentials.CanonicalFinalUrl(hops));
    }

    [Fact]
    public void CanonicalFinalUrl_RedirectToAnotherOrigin_LastHopWithoutAnyQuery()
    {
        var hops = new[] { new Uri("https://a.example/start?token=x"), new Uri("https://cdn.example/files/m.gguf?v=2&u=opaque") };

        Assert.Equal("https://cdn.example/files/m.gguf", UrlCredentials.CanonicalFinalUrl(hops));
    }

    [Fact]
    public void CanonicalFinalUrl_RedirectOnTheSameOrigin_QueryKeptWithoutCredentials()
    {
        var hops = new[] { new Uri("https://a.example/start?token=x"), new Uri("https://a.example/files/m.gguf?v=2&hf_token=y") };

        Assert.Equal("https://a.example/files/m.gguf?v=2", UrlCredentials.CanonicalFinalUrl(hops));
    }

    [Fact]
    public void CanonicalFinalUrl_BackOnTheFirstOriginAfterAnotherOne_QueryDropped()
    {
        var hops = new[] { new Uri("https://a.example/start"), new Uri("https://b.example/hop"), new Uri("https://a.example/m.gguf?v=3") };

        Assert.Equal("https://a.example/m.gguf", UrlCredentials.CanonicalFinalUrl(hops));
    }

    [Fact]
    public void CanonicalFinalUrl_RedirectToPresignedStorage_LastUnsignedHop()
    {
        var hops = new[]
        {
            new Uri("https://civitai.com/api/download/models/123?token=secret"),
            new Uri("https://acc.r2.cloudflarestorage.com/m/1?X-Amz-Expires=86400&X-Amz-Signature=abc"),
        };

        Assert.Equal("https://civitai.com/api/download/models/123", UrlCredentials.CanonicalFinalUrl(hops));
    }

    [Fact]
    public void CanonicalFinalUrl_UnsignedHopBetweenSignedOnes_ThatHop()
    {
        var hops = new[]
        {
            new Uri("https://a.example/x?Signature=1&Expires=2"),
            new Uri("https://b.example/y.gguf"),
            new Uri("https://c.example/z?X-Amz-Signature=3"),
        };

        Assert.Equal("https://b.example/y.gguf", UrlCredentials.CanonicalFinalUrl(hops));
    }

    [Fact]
    public void CanonicalFinalUrl_EveryHopPresigned_FirstHopWithoutQuery()
    {
        var hops = new[]
        {
            new Uri("https://bucket.s3.amazonaws.com/m.bin?X-Amz-Signature=abc&X-Amz-Credential=k"),
            new Uri("https://other.s3.amazonaws.com/m.bin?X-Amz-Signature=def"),
        };

        Assert.Equal("https://bucket.s3.amazonaws.com/m.bin", UrlCredentials.CanonicalFinalUrl(hops));
    }
}
