using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Egress;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Sources;
using ModelGateway.Sources.CivitAi;

namespace ModelGateway.IntegrationTests.Sources.CivitAi;

public sealed class CivitAiPreviewAndTokenTests(FakeCivitAi civitai) : IClassFixture<FakeCivitAi>
{
    private static readonly string PngDataUrl = "data:image/png;base64," + Convert.ToBase64String(FakeCivitAi.Png);

    [Fact]
    public async Task RemoteMetadata_Images_FirstSafeForWorkImageSkippingVideosAndExplicitOnes()
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/1001");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(PngDataUrl, body.GetProperty("preview_image").GetString());
        Assert.NotEmpty(civitai.Images.RequestsTo($"/{FakeCivitAi.Account}/pg13/"));
        Assert.Empty(civitai.Images.RequestsTo($"/{FakeCivitAi.Account}/video-1/"));
        Assert.Empty(civitai.Images.RequestsTo($"/{FakeCivitAi.Account}/r-rated/"));
    }

    [Fact]
    public async Task RemoteMetadata_ImageThatIsHtml_PreviewOmitted()
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/4001");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.TryGetProperty("preview_image", out _));
        Assert.True(body.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.NotEmpty(civitai.Images.RequestsTo($"/{FakeCivitAi.Account}/html/"));
    }

    [Theory]
    [InlineData(4002)]
    [InlineData(4003)]
    public async Task RemoteMetadata_NoAcceptableImage_PreviewOmittedWithoutFetching(int versionId)
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);
        var before = civitai.Images.Requests.Count;

        var (status, body) = await GatewayRequests.MetadataAsync(client, $"https://civitai.com/api/download/models/{versionId}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.TryGetProperty("preview_image", out _));
        Assert.Equal(before, civitai.Images.Requests.Count);
    }

    [Fact]
    public async Task RemoteMetadata_MaxPreviewNsfwLevelX_ExplicitPreviewAllowed()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Sources:CivitAI:BaseUrl"] = civitai.Api.BaseUri.AbsoluteUri,
            ["Sources:CivitAI:MaxPreviewNsfwLevel"] = "X",
            ["Policy:VerifyContent"] = "false",
        });
        using var client = gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/4002");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(PngDataUrl, body.GetProperty("preview_image").GetString());
        Assert.Single(civitai.Images.RequestsTo($"/{FakeCivitAi.Account}/x-rated/original=true/6.jpeg"));
    }

    [Fact]
    public async Task RemoteMetadata_ConfiguredToken_SentToCivitAiOnlyNeverToImages()
    {
        using var client = civitai.TokenGateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/models/400?modelVersionId=4004");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(PngDataUrl, body.GetProperty("preview_image").GetString());
        var api = Assert.Single(civitai.Api.RequestsTo("/api/v1/model-versions/4004"));
        Assert.Equal($"Bearer {FakeCivitAi.ConfigToken}", api.Header("Authorization"));
        var image = Assert.Single(civitai.Images.RequestsTo($"/{FakeCivitAi.Account}/token-check/"));
        Assert.Null(image.Header("Authorization"));
        Assert.DoesNotContain(FakeCivitAi.ConfigToken, body.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoteMetadata_UserToken_SentAsBearerAndAbsentFromTheAnswer()
    {
        const string userToken = "user-secret-42";
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client,
            $"https://civitai.com/api/download/models/1000?type=Model&token={userToken}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("https://civitai.com/api/download/models/1000?type=Model", body.GetProperty("final_url").GetString());
        Assert.DoesNotContain(userToken, body.ToString(), StringComparison.Ordinal);
        var api = Assert.Single(civitai.Api.Requests, r => r.Header("Authorization") == $"Bearer {userToken}");
        Assert.Equal("/api/v1/model-versions/1000", api.PathAndQuery);
        Assert.DoesNotContain(civitai.Api.Requests, r => r.PathAndQuery.Contains(userToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ContentLocation_ReadThroughAuthorize_TokenToCivitAiNotToStorage()
    {
        var source = civitai.TokenGateway.Services.GetServices<IMetadataSource>().OfType<CivitAiSource>().Single();
        var egress = civitai.TokenGateway.Services.GetRequiredService<EgressClient>();

        var probe = await source.ProbeAsync(source.TryRecognize(new Uri("https://civitai.com/api/download/models/1000"))!, new ProbeScope([], [], 0), CancellationToken.None);
        using var response = await egress.SendAsync(new EgressRequest(HttpMethod.Get, probe.Content!.Url, probe.Content.Authorize) { BlockedHosts = [] }, CancellationToken.None);
        var bytes = await EgressBody.ReadBoundedAsync(response.Message, 1024, CancellationToken.None);

        Assert.Equal(new Uri(civitai.Api.BaseUri, "api/download/models/1000"), probe.Content.Url);
        Assert.Equal(FakeCivitAi.StoredFile, bytes);
        Assert.Equal(2, response.Hops.Count);
        var download = Assert.Single(civitai.Api.RequestsTo("/api/download/models/1000"));
        Assert.Equal($"Bearer {FakeCivitAi.ConfigToken}", download.Header("Authorization"));
        var stored = Assert.Single(civitai.Storage.RequestsTo("/files/1000.bin"));
        Assert.Null(stored.Header("Authorization"));
    }
}
