using System.Net;
using System.Text.Json;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Sources.CivitAi;

public sealed class CivitAiVerdictTests(FakeCivitAi civitai) : IClassFixture<FakeCivitAi>
{
    public static TheoryData<string, string, string?> TypeCases()
    {
        var data = new TheoryData<string, string, string?>();
        foreach (var (modelType, fileType, folder) in FakeCivitAi.TypeCases)
        {
            data.Add(modelType, fileType, folder);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TypeCases))]
    public async Task RemoteMetadata_ModelType_TaggedWithItsComfyUiFolder(string modelType, string fileType, string? folder)
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client,
            $"https://civitai.com/api/download/models/{FakeCivitAi.TypeVersion(modelType, fileType)}");

        Assert.Equal(HttpStatusCode.OK, status);
        var tags = body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray();
        var validation = body.GetProperty("validation");
        if (folder is null)
        {
            Assert.Equal(new[] { "models" }, tags);
            Assert.False(validation.GetProperty("is_valid").GetBoolean());
            var error = Assert.Single(validation.GetProperty("errors").EnumerateArray());
            Assert.Equal("MODEL_TYPE_NOT_SUPPORTED", error.GetProperty("code").GetString());
            Assert.Equal("model_type", error.GetProperty("field").GetString());
            Assert.Equal($"Model type \"{modelType}\" has no ComfyUI model folder.", error.GetProperty("message").GetString());
        }
        else
        {
            Assert.Equal(new[] { "models", folder }, tags);
            Assert.True(validation.GetProperty("is_valid").GetBoolean());
        }
    }

    [Theory]
    [InlineData("https://civitai.com/api/download/models/3001")]
    [InlineData("https://civitai.com/api/download/models/1001?format=PickleTensor")]
    public async Task RemoteMetadata_PickleTensor_FormatNotAllowed(string url)
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, url);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("PickleTensor", body.GetProperty("format").GetString());
        var validation = body.GetProperty("validation");
        Assert.False(validation.GetProperty("is_valid").GetBoolean());
        var error = Assert.Single(validation.GetProperty("errors").EnumerateArray());
        Assert.Equal("FORMAT_NOT_ALLOWED", error.GetProperty("code").GetString());
        Assert.Equal("format", error.GetProperty("field").GetString());
        Assert.Equal("File format \"PickleTensor\" is not allowed. Allowed formats: [SafeTensor]", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(3002, "UNSAFE_PICKLE_SCAN")]
    [InlineData(3003, "UNSAFE_VIRUS_SCAN")]
    public async Task RemoteMetadata_ScanDanger_UnsafeError(int versionId, string code)
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, $"https://civitai.com/api/download/models/{versionId}");

        Assert.Equal(HttpStatusCode.OK, status);
        var validation = body.GetProperty("validation");
        Assert.False(validation.GetProperty("is_valid").GetBoolean());
        var error = Assert.Single(validation.GetProperty("errors").EnumerateArray());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("file", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_ScanPending_WarningOnlyAndNoHash()
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/3004");

        Assert.Equal(HttpStatusCode.OK, status);
        var validation = body.GetProperty("validation");
        Assert.True(validation.GetProperty("is_valid").GetBoolean());
        Assert.Equal(["SCAN_PENDING", "SCAN_PENDING"],
            validation.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("code").GetString()));
        Assert.False(body.TryGetProperty("sha256", out _));
    }

    [Fact]
    public async Task RemoteMetadata_EarlyAccessWithoutToken_AccessForbidden()
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/models/300?modelVersionId=3005");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("ACCESS_FORBIDDEN", body.GetProperty("code").GetString());
        Assert.Equal("CivitAI model version 3005 is in Early Access until 2099-01-01 00:00:00Z: only accounts that bought access can download it.",
            body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_EarlyAccessTokenWithoutAccess_AccessForbiddenWithCivitAisReason()
    {
        using var client = civitai.TokenGateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/3005");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("ACCESS_FORBIDDEN", body.GetProperty("code").GetString());
        Assert.Equal("CivitAI answered 403 for model version 3005's download: Early Access "
            + "(This asset is in Early Access. You can use Buzz access it now!).", body.GetProperty("message").GetString());
        var download = Assert.Single(civitai.Api.RequestsTo("/api/download/models/3005"));
        Assert.Equal($"Bearer {FakeCivitAi.ConfigToken}", download.Header("Authorization"));
    }

    [Fact]
    public async Task RemoteMetadata_EarlyAccessOver_Answered()
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/3012");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("over.safetensors", body.GetProperty("filename").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_LoginRequiredWithoutToken_UnauthorizedSource()
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);
        var downloadsBefore = civitai.Api.RequestsTo("/api/download/").Count();

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/3006");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("UNAUTHORIZED_SOURCE", body.GetProperty("code").GetString());
        Assert.Equal("The creator of CivitAI model version 3006 requires a login to download it: set Sources:CivitAI:Token or add ?token= to the URL.",
            body.GetProperty("message").GetString());
        Assert.Equal(downloadsBefore, civitai.Api.RequestsTo("/api/download/").Count());
    }

    [Fact]
    public async Task RemoteMetadata_LoginRequiredWithToken_DownloadEndpointConfirmsAndStorageIsNotContacted()
    {
        using var client = civitai.TokenGateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/3006");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("members.safetensors", body.GetProperty("filename").GetString());
        var download = Assert.Single(civitai.Api.RequestsTo("/api/download/models/3006"));
        Assert.Equal($"Bearer {FakeCivitAi.ConfigToken}", download.Header("Authorization"));
        Assert.Empty(civitai.Storage.RequestsTo("/files/3006"));
    }

    [Theory]
    [InlineData("https://civitai.com/api/download/models/3999", "RESOURCE_NOT_FOUND",
        "CivitAI answered 404 for model version 3999: Model not found.")]
    [InlineData("https://civitai.com/models/999", "RESOURCE_NOT_FOUND", "CivitAI answered 404 for model 999: No model with id 999.")]
    [InlineData("https://civitai.com/models/3013", "RESOURCE_NOT_FOUND", "CivitAI model 3013 has no published versions.")]
    [InlineData("https://civitai.com/api/download/models/3007", "RESOURCE_NOT_FOUND",
        "CivitAI model version 3007 is not available for download (model Archived).")]
    [InlineData("https://civitai.com/api/download/models/3008", "RATE_LIMITED", "CivitAI answered 429 for model version 3008: Too many requests.")]
    [InlineData("https://civitai.com/api/download/models/3009", "UNAUTHORIZED_SOURCE",
        "CivitAI answered 401 for model version 3009: Unauthorized. Set Sources:CivitAI:Token or add ?token= to the URL.")]
    [InlineData("https://civitai.com/api/download/models/3010", "METADATA_FETCH_FAILED",
        "CivitAI's answer for model version 3010 is not the expected JSON.")]
    [InlineData("https://civitai.com/api/download/models/3011", "METADATA_FETCH_FAILED",
        "CivitAI's answer for model version 3011 is not the expected JSON.")]
    public async Task RemoteMetadata_CivitAiFailure_Mapped(string url, string code, string message)
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, url);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal(message, body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_StrictProfile_SamePolicyOnCivitAiFacts()
    {
        using var client = civitai.Gateway.CreateClient(TestKeys.Strict);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/3001");

        Assert.Equal(HttpStatusCode.OK, status);
        var error = body.GetProperty("validation").GetProperty("errors")[0];
        Assert.Equal("FORMAT_NOT_ALLOWED", error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Array, body.GetProperty("validation").GetProperty("warnings").ValueKind);
    }
}
