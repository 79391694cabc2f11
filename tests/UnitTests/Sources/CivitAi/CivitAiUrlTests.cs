using ModelGateway.Primitives;
using ModelGateway.Sources;
using ModelGateway.Sources.CivitAi;

namespace ModelGateway.UnitTests.Sources.CivitAi;

public sealed class CivitAiUrlTests
{
    [Theory]
    [InlineData("https://civitai.com/api/download/models/2514310", 2514310L, null, "civitai:version:2514310")]
    [InlineData("https://civitai.com/api/download/models/2514310/", 2514310L, null, "civitai:version:2514310")]
    [InlineData("https://civitai.red/api/download/models/7", 7L, null, "civitai:version:7")]
    [InlineData("https://civitai.com/api/v1/model-versions/1050496", 1050496L, null, "civitai:version:1050496")]
    [InlineData("https://civitai.com/api/v1/modelVersions/1050496", 1050496L, null, "civitai:version:1050496")]
    [InlineData("https://civitai.com/model-versions/485088", 485088L, null, "civitai:version:485088")]
    [InlineData("https://civitai.com/models/43331", null, 43331L, "civitai:model:43331")]
    [InlineData("https://www.civitai.com/models/43331/majicmix-realistic", null, 43331L, "civitai:model:43331")]
    [InlineData("https://civitai.com/models/43331/majicmix-realistic?modelVersionId=485088", 485088L, 43331L, "civitai:version:485088")]
    [InlineData("https://civitai.com/models/43331?version=485088", 485088L, 43331L, "civitai:version:485088")]
    [InlineData("https://civitai.com/models/43331?modelVersionId=485088&version=1", 485088L, 43331L, "civitai:version:485088")]
    [InlineData("https://civitai.com/api/v1/models/827184", null, 827184L, "civitai:model:827184")]
    [InlineData("https://civitai.green/MODELS/5?utm_source=x", null, 5L, "civitai:model:5")]
    public void Parse_AcceptedForm_ReadsIds(string url, long? versionId, long? modelId, string cacheKey)
    {
        var parsed = CivitAiUrl.Parse(new Uri(url));

        Assert.Equal(versionId, parsed.VersionId);
        Assert.Equal(modelId, parsed.ModelId);
        Assert.True(parsed.Selectors.IsEmpty);
        Assert.Null(parsed.Token);
        Assert.Equal(cacheKey, parsed.CacheKey);
    }

    [Fact]
    public void Parse_DownloadWithSelectors_ReadsEverySelector()
    {
        var parsed = CivitAiUrl.Parse(new Uri(
            "https://civitai.com/api/download/models/9?fp=fp16&size=pruned&format=SafeTensor&type=Pruned%20Model&quantType=Q8_0&fileId=42"));

        Assert.Equal(new CivitAiFileSelectors("Pruned Model", "SafeTensor", "pruned", "fp16", "Q8_0", 42), parsed.Selectors);
        Assert.Equal("civitai:version:9?type=Pruned%20Model&format=SafeTensor&size=pruned&fp=fp16&quantType=Q8_0&fileId=42", parsed.CacheKey);
    }

    [Fact]
    public void Parse_PlusInSelector_MeansSpace()
    {
        var parsed = CivitAiUrl.Parse(new Uri("https://civitai.com/api/download/models/9?type=Training+Data"));

        Assert.Equal("Training Data", parsed.Selectors.Type);
    }

    [Fact]
    public void Parse_SelectorsOnModelPage_AreIgnored()
    {
        var parsed = CivitAiUrl.Parse(new Uri("https://civitai.com/models/3?type=VAE"));

        Assert.True(parsed.Selectors.IsEmpty);
    }

    [Theory]
    [InlineData("https://civitai.com/api/download/models/9?token=abc123", "civitai:version:9#user:6ca13d52ca70c883")]
    [InlineData("https://civitai.com/api/download/models/9?type=Model&token=abc123", "civitai:version:9?type=Model#user:6ca13d52ca70c883")]
    [InlineData("https://civitai.com/models/3?token=abc123", "civitai:model:3#user:6ca13d52ca70c883")]
    [InlineData("https://civitai.com/api/v1/model-versions/9?token=abc123", "civitai:version:9#user:6ca13d52ca70c883")]
    public void Parse_UserToken_IsReadButOnlyItsHashSeparatesTheCacheKey(string url, string cacheKey)
    {
        var parsed = CivitAiUrl.Parse(new Uri(url));

        Assert.Equal("abc123", parsed.Token);
        Assert.Equal(cacheKey, parsed.CacheKey);
        Assert.DoesNotContain("abc123", parsed.CacheKey, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://civitai.com/")]
    [InlineData("https://civitai.com/images/123")]
    [InlineData("https://civitai.com/user/someone")]
    [InlineData("https://civitai.com/models")]
    [InlineData("https://civitai.com/models/abc")]
    [InlineData("https://civitai.com/models/0")]
    [InlineData("https://civitai.com/models/-4")]
    [InlineData("https://civitai.com/models/1/slug/extra")]
    [InlineData("https://civitai.com/models/1?modelVersionId=latest")]
    [InlineData("https://civitai.com/api/download/models/")]
    [InlineData("https://civitai.com/api/download/models/12x")]
    [InlineData("https://civitai.com/api/download/models/1?fileId=first")]
    [InlineData("https://civitai.com/api/download/training-data/1")]
    [InlineData("https://civitai.com/api/v1/model-versions/by-hash/ABCDEF")]
    [InlineData("https://civitai.com/api/v1/images")]
    [InlineData("https://civitai.com/model-versions/99999999999999999999")]
    [InlineData("https://civitai.com/api/download/models/1?token=has%20space")]
    public void Parse_OtherShape_ThrowsInvalidUrlFormatNamingTheForms(string url)
    {
        var ex = Assert.Throws<GatewayException>(() => CivitAiUrl.Parse(new Uri(url)));

        Assert.Equal(400, ex.StatusCode);
        Assert.Equal(ErrorCodes.InvalidUrlFormat, ex.Code);
        Assert.EndsWith("Accepted forms: " + CivitAiUrl.AcceptedForms + ".", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("has space", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(9L, "", "/api/download/models/9")]
    [InlineData(9L, "type", "/api/download/models/9?type=Training%20Data")]
    public void DownloadPathAndQuery_Selectors_AppendedInCanonicalForm(long versionId, string which, string expected)
    {
        var selectors = which.Length == 0 ? CivitAiFileSelectors.None : new CivitAiFileSelectors(Type: "Training Data");

        Assert.Equal(expected, CivitAiUrl.DownloadPathAndQuery(versionId, selectors));
    }

    [Theory]
    [InlineData("abc-DEF_123.456", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("a\nb", false)]
    [InlineData("é", false)]
    public void IsValidToken_Characters_Checked(string token, bool valid) =>
        Assert.Equal(valid, SourceOptions.IsValidToken(token));
}
