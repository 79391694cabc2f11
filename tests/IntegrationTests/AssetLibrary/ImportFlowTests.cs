using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelGateway.AssetLibrary;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Library;
using ModelGateway.Testing;
using static ModelGateway.IntegrationTests.AssetLibrary.FrontendCalls;

namespace ModelGateway.IntegrationTests.AssetLibrary;

/// <summary>
/// ComfyUI's "Import model" through the gateway, call for call as the frontend makes them — remote-metadata, the preview's
/// multipart upload, <c>POST /api/assets/download</c>, the task poll, the folder's listing — for a CivitAI and a Hugging
/// Face file, every answer checked against the frontend's schemas; the bytes back from <c>/content</c> and from the
/// ComfyUI tree; a second import without a download; a forbidden file refused with no task.
/// </summary>
public sealed class ImportFlowTests(LibraryHosts hosts) : IClassFixture<LibraryHosts>
{
    [Theory]
    [InlineData("civitai")]
    [InlineData("huggingface")]
    public async Task Frontend_FiveCalls_ImportTheFileIntoTheLibraryAndTheComfyTree(string source)
    {
        var seed = source == "civitai" ? 101 : 102;
        var file = LibraryHosts.LoraWithThumbnail(200_000, seed);
        string url, published, fileName;
        if (source == "civitai")
        {
            fileName = "flow-8101.safetensors";
            hosts.Sources.CivitAi.AddDownload(8101, fileName, file);
            url = $"https://civitai.com/api/download/models/8101";
            published = Sha256(file);
        }
        else
        {
            fileName = "flow-102.safetensors";
            published = hosts.Sources.HuggingFace.ServeFile("/org/flow/resolve/main/loras/" + fileName, file);
            url = "https://huggingface.co/org/flow/resolve/main/loras/" + fileName;
        }
        using var client = hosts.Gateway.Client(TestKeys.Default);

        // 1. The wizard's metadata call.
        var (metaStatus, metaBody) = await GetAsync(client, "/api/assets/remote-metadata?url=" + Uri.EscapeDataString(url));
        Assert.Equal(HttpStatusCode.OK, metaStatus);
        var metadata = ComfySchemas.AssertValid(ComfySchemas.AssetMetadata, metaBody);
        Assert.True(metadata.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        var folder = metadata.GetProperty("tags")[1].GetString()!;
        Assert.Equal("loras", folder);
        var previewDataUrl = metadata.GetProperty("preview_image").GetString()!;

        // 2. The preview, uploaded as the wizard does (<base>_preview.<ext>, tags ["preview"]).
        var previewBytes = Convert.FromBase64String(previewDataUrl[(previewDataUrl.IndexOf(',', StringComparison.Ordinal) + 1)..]);
        var (previewStatus, previewBody) = await UploadAsync(client, previewBytes, Path.GetFileNameWithoutExtension(fileName) + "_preview.png", ["preview"]);
        Assert.True(previewStatus is HttpStatusCode.Created or HttpStatusCode.OK, previewBody);
        var preview = ComfySchemas.AssertValid(ComfySchemas.AssetCreated, previewBody);
        Assert.Equal(["preview"], preview.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("image/png", preview.GetProperty("mime_type").GetString());
        var previewId = preview.GetProperty("id").GetString()!;

        // 3. The import.
        var metadataSent = new JsonObject { ["source"] = source, ["source_url"] = url, ["model_type"] = folder };
        var (startStatus, startBody) = await PostJsonAsync(client, "/api/assets/download", new JsonObject
        {
            ["source_url"] = url,
            ["tags"] = new JsonArray("models", folder),
            ["user_metadata"] = metadataSent.DeepClone(),
            ["preview_id"] = previewId,
        });
        Assert.Equal(HttpStatusCode.Accepted, startStatus);
        var started = ComfySchemas.AssertValid(ComfySchemas.AssetDownload, startBody);
        Assert.Equal("created", started.GetProperty("status").GetString());
        Assert.Equal("Download task created. Use task_id to track progress.", started.GetProperty("message").GetString());
        var taskId = started.GetProperty("task_id").GetString()!;

        // 4. The poll.
        var task = await PollTaskAsync(client, taskId, TimeSpan.FromSeconds(30));
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(taskId, task.GetProperty("id").GetString());
        Assert.Equal("task:download_file", task.GetProperty("task_name").GetString());
        Assert.StartsWith("download:", task.GetProperty("idempotency_key").GetString(), StringComparison.Ordinal);
        Assert.Equal(url, task.GetProperty("payload").GetProperty("source_url").GetString());
        var result = task.GetProperty("result");
        Assert.True(result.GetProperty("success").GetBoolean());
        Assert.Equal("sha256:" + published, result.GetProperty("hash").GetString());
        Assert.Equal(fileName, result.GetProperty("filename").GetString());
        Assert.Equal(file.Length, result.GetProperty("bytes_downloaded").GetInt64());
        Assert.Equal("application/octet-stream", result.GetProperty("content_type").GetString());
        Assert.False(task.TryGetProperty("error_message", out _));
        Assert.True(task.TryGetProperty("started_at", out _));
        Assert.True(task.TryGetProperty("completed_at", out _));
        var assetId = result.GetProperty("asset_id").GetString()!;

        // 5. The folder's listing.
        var (listStatus, listBody) = await GetAsync(client, $"/api/assets?include_tags=models,{folder}&limit=500");
        Assert.Equal(HttpStatusCode.OK, listStatus);
        var listed = ComfySchemas.AssertValid(ComfySchemas.ListAssets, listBody).GetProperty("assets").EnumerateArray()
            .Single(a => a.GetProperty("id").GetString() == assetId);
        Assert.Equal(fileName, listed.GetProperty("name").GetString());
        Assert.Equal("sha256:" + published, listed.GetProperty("asset_hash").GetString());
        Assert.Equal(file.Length, listed.GetProperty("size").GetInt64());
        Assert.Equal(["loras", "models"], listed.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(previewId, listed.GetProperty("preview_id").GetString());
        Assert.Equal($"/api/assets/{previewId}/content", listed.GetProperty("preview_url").GetString());
        Assert.True(JsonNode.DeepEquals(metadataSent, JsonNode.Parse(listed.GetProperty("user_metadata").GetRawText())));

        // The bytes: from /content, and from the ComfyUI tree (a hard link to the store's blob, no second copy).
        using var content = await client.GetAsync($"/api/assets/{assetId}/content");
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        Assert.Equal(published, Sha256(await content.Content.ReadAsByteArrayAsync()));
        var treeFile = Path.Combine(hosts.LibraryPath, "models", folder, fileName);
        Assert.Equal(published, Sha256(await File.ReadAllBytesAsync(treeFile)));
        var store = Assert.IsType<DirectoryBlobStore>(hosts.Gateway.Services.GetRequiredService<ModelLibrary>().Store);
        Assert.Equal(2, await LinkCountAsync(store.PathOf(published)));
        Assert.Equal(previewBytes, await (await client.GetAsync($"/api/assets/{previewId}/content")).Content.ReadAsByteArrayAsync());

        // A second import of the same file: 200 with the asset at once, no task, no download.
        var fullGets = FullGets(source, seed);
        var (againStatus, againBody) = await PostJsonAsync(client, "/api/assets/download", new JsonObject
        {
            ["source_url"] = url,
            ["tags"] = new JsonArray("models", folder, "favourites"),
            ["user_metadata"] = new JsonObject { ["note"] = "again" },
        });
        Assert.Equal(HttpStatusCode.OK, againStatus);
        var again = ComfySchemas.AssertValid(ComfySchemas.AssetCreated, againBody);
        Assert.False(again.GetProperty("created_new").GetBoolean());
        Assert.Equal(assetId, again.GetProperty("id").GetString()); // the caller's own reference, its tags and metadata merged
        Assert.Equal(["favourites", "loras", "models"], again.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("again", again.GetProperty("user_metadata").GetProperty("note").GetString());
        Assert.Equal(source, again.GetProperty("user_metadata").GetProperty("source").GetString());
        Assert.Equal(fullGets, FullGets(source, seed));

        // Another team importing it gets a reference of its own to the same content: still no download.
        using var strict = hosts.Gateway.Client(TestKeys.Strict);
        var (otherStatus, otherBody) = await PostJsonAsync(strict, "/api/assets/download", new JsonObject
        {
            ["source_url"] = url,
            ["tags"] = new JsonArray("models", folder),
        });
        Assert.Equal(HttpStatusCode.OK, otherStatus);
        var other = ComfySchemas.AssertValid(ComfySchemas.AssetCreated, otherBody);
        Assert.NotEqual(assetId, other.GetProperty("id").GetString());
        Assert.Equal("sha256:" + published, other.GetProperty("asset_hash").GetString());
        Assert.Equal(fullGets, FullGets(source, seed));
    }

    [Fact]
    public async Task ForbiddenFile_403WithTheVerdictsCode_AndNoTask()
    {
        var pickle = ModelFiles.TorchZip(storageBytes: 20_000);
        hosts.Sources.CivitAi.AddDownload(8103, "old-8103.ckpt", pickle, format: "PickleTensor");
        using var client = hosts.Gateway.Client(TestKeys.Default);

        var (status, body) = await PostJsonAsync(client, "/api/assets/download", new JsonObject
        {
            ["source_url"] = "https://civitai.com/api/download/models/8103",
            ["tags"] = new JsonArray("models", "checkpoints"),
        });

        Assert.Equal(HttpStatusCode.Forbidden, status);
        var error = ComfySchemas.AssertValid(ComfySchemas.Error, body);
        Assert.Equal("FORMAT_NOT_ALLOWED", error.GetProperty("code").GetString());
        Assert.Equal("File format \"PickleTensor\" is not allowed. Allowed formats: [SafeTensor]", error.GetProperty("message").GetString());
        await using var connection = await hosts.Gateway.Services.GetRequiredService<AssetDatabase>().OpenAsync(default);
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM tasks WHERE source_url LIKE '%/8103'";
        Assert.Equal(0L, Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(hosts.Sources.CivitAi.Api.RequestsTo("/api/download/models/8103"), r => r.Header("Range") is null);
    }

    [Fact]
    public async Task FailingFileHost_TaskFailsWithTheGatewaysErrorCode()
    {
        var file = LibraryHosts.LoraWithThumbnail(50_000, 104);
        hosts.Sources.CivitAi.AddDownload(8104, "broken-8104.safetensors", file);
        // The head (the content check) is served; the whole file is a 503.
        hosts.Sources.CivitAi.HandleObject(8104, async context =>
        {
            if (context.Request.Headers.Range.Count > 0)
            {
                await Sources.CivitAi.FakeCivitAi.ObjectResult(file).ExecuteAsync(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        });
        using var client = hosts.Gateway.Client(TestKeys.Default);

        var (status, body) = await PostJsonAsync(client, "/api/assets/download", new JsonObject
        {
            ["source_url"] = "https://civitai.com/api/download/models/8104",
            ["tags"] = new JsonArray("models", "loras"),
        });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var task = await PollTaskAsync(client, JsonDocument.Parse(body).RootElement.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(30));

        Assert.Equal("failed", task.GetProperty("status").GetString());
        Assert.StartsWith("SOURCE_SERVER_ERROR: ", task.GetProperty("error_message").GetString(), StringComparison.Ordinal);
        Assert.False(task.GetProperty("result").GetProperty("success").GetBoolean());
        var (listStatus, listBody) = await GetAsync(client, "/api/assets?name_contains=broken-8104");
        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Equal(0, JsonDocument.Parse(listBody).RootElement.GetProperty("total").GetInt32());
    }

    private int FullGets(string source, int seed) => source == "civitai"
        ? hosts.Sources.CivitAi.Storage.Requests.Count(r => r.Method == "GET" && r.Header("Range") is null)
        : hosts.Sources.HuggingFace.Cdn.Requests.Count(r => r.Method == "GET" && r.Header("Range") is null);
}
