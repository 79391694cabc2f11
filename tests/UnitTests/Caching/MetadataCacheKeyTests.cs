using ModelGateway.Caching;

namespace ModelGateway.UnitTests.Caching;

public sealed class MetadataCacheKeyTests
{
    [Fact]
    public void For_SameInput_SameKey()
    {
        var first = MetadataCacheKey.For("http", "https://example.com/files/model.safetensors");
        var second = MetadataCacheKey.For("http", "https://example.com/files/model.safetensors");

        Assert.Equal(first, second);
    }

    [Fact]
    public void For_KnownInput_PrefixAndSha256Hex()
    {
        // SHA-256 of "http\nabc"
        var key = MetadataCacheKey.For("http", "abc");

        Assert.Equal("metadata:v2:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("http\nabc"u8)), key);
        Assert.Equal("metadata:v2:".Length + 64, key.Length);
        Assert.Matches("^metadata:v2:[0-9a-f]{64}$", key);
    }

    [Fact]
    public void For_DifferentSource_DifferentKey()
    {
        Assert.NotEqual(MetadataCacheKey.For("http", "https://civitai.com/api/download/models/1"),
            MetadataCacheKey.For("civitai", "https://civitai.com/api/download/models/1"));
    }

    [Fact]
    public void For_SplitBetweenNameAndKey_DifferentKey()
    {
        Assert.NotEqual(MetadataCacheKey.For("ab", "c"), MetadataCacheKey.For("a", "bc"));
    }

    [Fact]
    public void For_KeyWithSecret_SecretNotInKey()
    {
        var key = MetadataCacheKey.For("http", "https://user:hunter2@example.com/model.safetensors?token=abc123secret");

        Assert.DoesNotContain("hunter2", key, StringComparison.Ordinal);
        Assert.DoesNotContain("abc123secret", key, StringComparison.Ordinal);
        Assert.DoesNotContain("example.com", key, StringComparison.Ordinal);
    }

    [Fact]
    public void For_EmptySourceName_Throws()
    {
        Assert.Throws<ArgumentException>(() => MetadataCacheKey.For("", "x"));
    }
}
