using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Sources.CivitAi;

/// <summary>
/// CivitAI with the content check on (the shipped default): the file's first bytes are read through the download
/// endpoint's 307 to storage, so a file whose bytes contradict CivitAI's declared format is caught.
/// </summary>
public sealed class CivitAiContentTests : IAsyncLifetime
{
    private const string Token = "civitai-config-token";
    private FakeHost _storage = null!;
    private FakeHost _api = null!;
    private GatewayFactory Gateway { get; set; } = null!;

    private static readonly Dictionary<long, byte[]> StoredFiles = new()
    {
        // Declared SafeTensor, really a PyTorch zip (pickle).
        [501] = ModelFiles.TorchZip(),
        // Declared SafeTensor, really safetensors with its own title — CivitAI's name must still win.
        [502] = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Header Title")),
    };

    public async Task InitializeAsync()
    {
        _storage = await FakeHost.StartAsync((app, _) => app.MapGet("/files/{id:long}", (long id) =>
            Results.Bytes(StoredFiles[id], "application/octet-stream", enableRangeProcessing: true)));
        _api = await FakeHost.StartAsync((app, _) =>
        {
            app.MapGet("/api/v1/model-versions/{id:long}", (long id) =>
                Results.Content(Version(id, StoredFiles[id].Length), "application/json"));
            app.MapGet("/api/download/models/{id:long}", (long id) =>
                Results.Redirect(_storage.Url(string.Create(CultureInfo.InvariantCulture, $"files/{id}?X-Amz-Signature=abc")).AbsoluteUri,
                    permanent: false, preserveMethod: true));
        });
        Gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Sources:CivitAI:BaseUrl"] = _api.BaseUri.AbsoluteUri.TrimEnd('/'),
            ["Sources:CivitAI:Token"] = Token,
        });
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await _api.DisposeAsync();
        await _storage.DisposeAsync();
    }

    [Fact]
    public async Task RemoteMetadata_BytesContradictDeclaredFormat_RejectedAsPickleWithMismatchWarning()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/501");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("PickleTensor", body.GetProperty("format").GetString());
        var validation = body.GetProperty("validation");
        Assert.False(validation.GetProperty("is_valid").GetBoolean());
        var error = Assert.Single(validation.GetProperty("errors").EnumerateArray());
        Assert.Equal("FORMAT_NOT_ALLOWED", error.GetProperty("code").GetString());
        Assert.Equal("File format \"PickleTensor\" is not allowed. Allowed formats: [SafeTensor]", error.GetProperty("message").GetString());
        var warning = Assert.Single(validation.GetProperty("warnings").EnumerateArray());
        Assert.Equal("FORMAT_MISMATCH", warning.GetProperty("code").GetString());
        Assert.Equal("File claims format \"SafeTensor\" but its content is \"PickleTensor\".", warning.GetProperty("message").GetString());
        // CivitAI's own facts stay: its name, its folder, its file name.
        Assert.Equal("Disguised Model v1", body.GetProperty("name").GetString());
        Assert.Equal(["models", "loras"], body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("model-501.safetensors", body.GetProperty("filename").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_ContentRead_TokenToCivitAiOnlyAndOnlyTheHeadRequested()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);

        var (status, body) = await GatewayRequests.MetadataAsync(client, "https://civitai.com/api/download/models/502");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Empty(body.GetProperty("validation").GetProperty("warnings").EnumerateArray());
        Assert.Equal("SafeTensor", body.GetProperty("format").GetString());
        Assert.Equal("Disguised Model v1", body.GetProperty("name").GetString()); // not the header's "Header Title"

        var download = Assert.Single(_api.RequestsTo("/api/download/models/502"));
        Assert.Equal("Bearer " + Token, download.Header("Authorization"));
        Assert.Equal("bytes=0-102399", download.Header("Range"));
        var stored = Assert.Single(_storage.RequestsTo("/files/502"));
        Assert.Null(stored.Header("Authorization"));
        Assert.Equal("bytes=0-102399", stored.Header("Range"));
    }

    private static string Version(long id, int size) => new JsonObject
    {
        ["id"] = id,
        ["modelId"] = 50,
        ["name"] = "v1",
        ["nsfwLevel"] = 1,
        ["status"] = "Published",
        ["availability"] = "Public",
        ["model"] = new JsonObject { ["name"] = "Disguised Model", ["type"] = "LORA", ["nsfw"] = false },
        ["files"] = new JsonArray(new JsonObject
        {
            ["id"] = id * 10,
            ["sizeKB"] = size / 1024.0,
            ["name"] = $"model-{id}.safetensors",
            ["type"] = "Model",
            ["pickleScanResult"] = "Success",
            ["virusScanResult"] = "Success",
            ["metadata"] = new JsonObject { ["format"] = "SafeTensor", ["size"] = "pruned", ["fp"] = "fp16" },
            ["hashes"] = new JsonObject(),
            ["primary"] = true,
        }),
        ["images"] = new JsonArray(),
    }.ToJsonString(new JsonSerializerOptions());
}
