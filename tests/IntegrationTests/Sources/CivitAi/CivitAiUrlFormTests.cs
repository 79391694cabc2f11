using System.Net;
using System.Text.Json;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Sources.CivitAi;

public sealed class CivitAiUrlFormTests(FakeCivitAi civitai) : IClassFixture<FakeCivitAi>
{
    [Theory]
    [InlineData("https://civitai.com/api/download/models/1001")]
    [InlineData("https://civitai.com/models/100")]
    [InlineData("https://civitai.com/models/100/realistic-vision")]
    [InlineData("https://civitai.com/models/100/realistic-vision?modelVersionId=1001")]
    [InlineData("https://civitai.com/models/100?version=1001")]
    [InlineData("https://civitai.com/model-versions/1001")]
    [InlineData("https://civitai.com/api/v1/model-versions/1001")]
    [InlineData("https://civitai.com/api/v1/models/100")]
    [InlineData("https://www.civitai.com/api/download/models/1001")]
    [InlineData("https://civitai.red/models/100/realistic-vision")]
    [InlineData("https://civitai.green/model-versions/1001")]
    public async Task RemoteMetadata_EveryUrlForm_AnswersThePrimaryFileOfTheVersion(string url)
    {
        using var client = civitai.Gateway.CreateClient(Infrastructure.TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, url);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(6938040678, body.GetProperty("content_length").GetInt64()); // round(6775430.35 × 1024)
        Assert.Equal("application/octet-stream", body.GetProperty("content_type").GetString());
        Assert.Equal("realisticVision_v60.safetensors", body.GetProperty("filename").GetString());
        Assert.Equal("Realistic Vision v6.0", body.GetProperty("name").GetString());
        Assert.Equal(["models", "checkpoints"], body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("https://civitai.com/api/download/models/1001", body.GetProperty("final_url").GetString());
        Assert.Equal("SafeTensor", body.GetProperty("format").GetString());
        Assert.Equal("21437ec26670e230b067ca936f6657caf5ca063f15aec333ef249bec7c0f0dc0", body.GetProperty("sha256").GetString());
        Assert.True(body.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Equal(0, body.GetProperty("validation").GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task RemoteMetadata_ModelPageWithOlderVersion_AnswersThatVersion()
    {
        using var client = civitai.Gateway.CreateClient(Infrastructure.TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/models/100/realistic-vision?modelVersionId=1000");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Realistic Vision v5.0", body.GetProperty("name").GetString());
        Assert.Equal("realisticVision_v50.safetensors", body.GetProperty("filename").GetString());
        Assert.Equal("https://civitai.com/api/download/models/1000", body.GetProperty("final_url").GetString());
        Assert.Equal(1049088, body.GetProperty("content_length").GetInt64()); // round(1024.5 × 1024)
    }

    [Fact]
    public async Task RemoteMetadata_ModelPage_AsksTheModelThenItsNewestVersion()
    {
        using var client = civitai.Gateway.CreateClient(Infrastructure.TestKeys.Default);

        var (status, _) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/models/100?utm_source=share");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(civitai.Api.Requests, r => r.PathAndQuery == "/api/v1/models/100");
        Assert.Contains(civitai.Api.Requests, r => r.PathAndQuery == "/api/v1/model-versions/1001");
        Assert.DoesNotContain(civitai.Api.Requests, r => r.PathAndQuery.StartsWith("/api/download/", StringComparison.Ordinal));
        Assert.All(civitai.Api.Requests, r => Assert.DoesNotContain("Mozilla", r.Header("User-Agent") ?? string.Empty, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("https://civitai.com/api/download/models/1001?type=Model&format=SafeTensor&size=pruned&fp=fp16",
        "realisticVision_v60Pruned.safetensors", 2132625920L,
        "https://civitai.com/api/download/models/1001?type=Model&format=SafeTensor&size=pruned&fp=fp16")]
    [InlineData("https://civitai.com/api/download/models/1001?fp=fp16",
        "realisticVision_v60Pruned.safetensors", 2132625920L, "https://civitai.com/api/download/models/1001?fp=fp16")]
    [InlineData("https://civitai.com/api/download/models/1001?fileId=11",
        "realisticVision_v60Pruned.safetensors", 2132625920L, "https://civitai.com/api/download/models/1001?fileId=11")]
    [InlineData("https://civitai.com/api/download/models/1001?format=SafeTensor&type=Model",
        "realisticVision_v60.safetensors", 6938040678L, "https://civitai.com/api/download/models/1001?type=Model&format=SafeTensor")]
    public async Task RemoteMetadata_Selectors_PickThatFile(string url, string filename, long contentLength, string finalUrl)
    {
        using var client = civitai.Gateway.CreateClient(Infrastructure.TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, url);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(filename, body.GetProperty("filename").GetString());
        Assert.Equal(contentLength, body.GetProperty("content_length").GetInt64());
        Assert.Equal(finalUrl, body.GetProperty("final_url").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_NoPrimaryFile_FirstModelFileNamedInFinalUrl()
    {
        using var client = civitai.Gateway.CreateClient(Infrastructure.TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/1002");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("noPrimary.safetensors", body.GetProperty("filename").GetString());
        Assert.Equal("https://civitai.com/api/download/models/1002?type=Model&format=SafeTensor&size=pruned&fp=fp16",
            body.GetProperty("final_url").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_SelectorsMatchingNoFile_ResourceNotFound()
    {
        using var client = civitai.Gateway.CreateClient(Infrastructure.TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/1001?format=GGUF");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("RESOURCE_NOT_FOUND", body.GetProperty("code").GetString());
        Assert.Equal("CivitAI model version 1001 has no file matching format=GGUF.", body.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("https://civitai.com/images/12345")]
    [InlineData("https://civitai.com/user/someone/models")]
    [InlineData("https://civitai.com/models/not-a-number")]
    [InlineData("https://civitai.com/api/download/models/1001?fileId=abc")]
    public async Task RemoteMetadata_OtherCivitAiUrl_InvalidUrlFormatNamingAcceptedForms(string url)
    {
        using var client = civitai.Gateway.CreateClient(Infrastructure.TestKeys.Default);
        var before = civitai.Api.Requests.Count;

        var (status, body) = await GatewayRequests.MetadataAsync(client, url);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_URL_FORMAT", body.GetProperty("code").GetString());
        Assert.Contains("Accepted forms: https://civitai.com/models/{modelId}[/{slug}][?modelVersionId={versionId}], ",
            body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, civitai.Api.Requests.Count);
    }

    [Fact]
    public async Task RemoteMetadata_CivitAiAnswer_HasNoNullFields()
    {
        using var client = civitai.Gateway.CreateClient(Infrastructure.TestKeys.Default);

        var (_, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/1000");

        Assert.All(body.EnumerateObject(), p => Assert.NotEqual(JsonValueKind.Null, p.Value.ValueKind));
    }
}
