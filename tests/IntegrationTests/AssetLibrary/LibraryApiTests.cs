using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Sources.CivitAi;
using ModelGateway.Library;
using ModelGateway.Testing;
using static ModelGateway.IntegrationTests.AssetLibrary.FrontendCalls;

namespace ModelGateway.IntegrationTests.AssetLibrary;

/// <summary>
/// The rest of the library's API through HTTP: listing filters, sorts and pages exactly; who sees what; content with
/// Range and ETag; updates and deletions (the blob goes with its last reference); hashes; tags; bad input answered with
/// codes; idempotent and cancellable tasks; every endpoint in the OpenAPI document.
/// </summary>
public sealed class LibraryApiTests(LibraryHosts hosts) : IClassFixture<LibraryHosts>
{
    [Fact]
    public async Task Listing_FiltersSortsAndPagesExactly()
    {
        using var client = hosts.Gateway.Client(TestKeys.Default);
        string[] names = ["delta.safetensors", "Alpha.safetensors", "charlie.safetensors", "bravo.safetensors", "echo_x.safetensors"];
        for (var i = 0; i < names.Length; i++)
        {
            string[] tags = i % 2 == 0 ? ["models", "loras", "listing"] : ["models", "checkpoints", "listing"];
            var (status, body) = await UploadAsync(client, Lora(1000 + (i * 100), seed: 300 + i), names[i], tags, contentType: "application/octet-stream");
            Assert.True(status == HttpStatusCode.Created, body);
        }

        async Task<(string[] Names, int Total, bool HasMore)> List(string query)
        {
            var (status, body) = await GetAsync(client, "/api/assets?" + query);
            Assert.Equal(HttpStatusCode.OK, status);
            var page = ComfySchemas.AssertValid(ComfySchemas.ListAssets, body);
            return ([.. page.GetProperty("assets").EnumerateArray().Select(a => a.GetProperty("name").GetString()!)],
                page.GetProperty("total").GetInt32(), page.GetProperty("has_more").GetBoolean());
        }

        Assert.Equal(Normalize((["Alpha.safetensors", "bravo.safetensors", "charlie.safetensors", "delta.safetensors", "echo_x.safetensors"], 5, false)),
            Normalize(await List("include_tags=listing&sort=name&order=asc&limit=500")));
        Assert.Equal(Normalize((["echo_x.safetensors", "delta.safetensors"], 5, true)), Normalize(await List("include_tags=listing&sort=name&order=desc&limit=2")));
        Assert.Equal(Normalize((["charlie.safetensors", "bravo.safetensors"], 5, true)), Normalize(await List("include_tags=listing&sort=name&order=desc&limit=2&offset=2")));
        Assert.Equal(Normalize((["Alpha.safetensors"], 5, false)), Normalize(await List("include_tags=listing&sort=name&order=desc&limit=2&offset=4")));
        Assert.Equal(Normalize(([], 5, false)), Normalize(await List("include_tags=listing&offset=10")));
        // All of include_tags, any of exclude_tags (comma-separated, or the parameter repeated).
        Assert.Equal(Normalize((["charlie.safetensors", "delta.safetensors", "echo_x.safetensors"], 3, false)),
            Normalize(await List("include_tags=models,loras,listing&sort=name&order=asc")));
        Assert.Equal(Normalize((["Alpha.safetensors", "bravo.safetensors"], 2, false)),
            Normalize(await List("include_tags=listing&exclude_tags=loras&exclude_tags=nothing&sort=name&order=asc")));
        Assert.Equal(Normalize(([], 0, false)), Normalize(await List("include_tags=listing,vae")));
        Assert.Equal(Normalize((["echo_x.safetensors"], 1, false)), Normalize(await List("include_tags=listing&name_contains=O_X")));
        // By size: the files grow with their index.
        Assert.Equal(Normalize((["echo_x.safetensors", "bravo.safetensors", "charlie.safetensors", "Alpha.safetensors", "delta.safetensors"], 5, false)),
            Normalize(await List("include_tags=listing&sort=size&order=desc")));
        Assert.Equal(Normalize((["delta.safetensors"], 5, true)), Normalize(await List("include_tags=listing&sort=size&order=asc&limit=1")));
        // Default: limit 20, newest first.
        var (_, total, _) = await List("include_tags=listing");
        Assert.Equal(5, total);

        // Tags with their counts, over what the caller sees.
        var (tagsStatus, tagsBody) = await GetAsync(client, "/api/tags?prefix=listing");
        Assert.Equal(HttpStatusCode.OK, tagsStatus);
        Assert.Equal("""{"tags":[{"name":"listing","count":5}],"total":1,"has_more":false}""", tagsBody);
    }

    [Fact]
    public async Task Policy_AnotherTeamsPickle_NeitherListedNorServedNorFound()
    {
        using var pickles = hosts.Gateway.Client(LibraryHosts.PickleKey);
        using var plain = hosts.Gateway.Client(TestKeys.Default);
        var pickle = ModelFiles.TorchZip(storageBytes: 30_000);
        var (status, body) = await UploadAsync(pickles, pickle, "team-pickle.ckpt", ["models", "checkpoints", "visibility"], contentType: "application/octet-stream");
        Assert.Equal(HttpStatusCode.Created, status);
        var asset = ComfySchemas.AssertValid(ComfySchemas.AssetCreated, body);
        var id = asset.GetProperty("id").GetString()!;
        Assert.True(asset.GetProperty("created_new").GetBoolean());

        Assert.Equal(1, JsonDocument.Parse((await GetAsync(pickles, "/api/assets?include_tags=visibility")).Body).RootElement.GetProperty("total").GetInt32());
        Assert.Equal(0, JsonDocument.Parse((await GetAsync(plain, "/api/assets?include_tags=visibility")).Body).RootElement.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(pickles, $"/api/assets/{id}/content")).Status);
        foreach (var path in new[] { $"/api/assets/{id}", $"/api/assets/{id}/content" })
        {
            var (hidden, error) = await GetAsync(plain, path);
            Assert.Equal(HttpStatusCode.NotFound, hidden);
            Assert.Equal("NOT_FOUND", ComfySchemas.AssertValid(ComfySchemas.Error, error).GetProperty("code").GetString());
        }
        using var head = await plain.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/assets/hash/sha256:" + Sha256(pickle)));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        using var seen = await pickles.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/assets/hash/sha256:" + Sha256(pickle)));
        Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await DeleteAsync(plain, id)).Status);

        // The same bytes uploaded by a key whose policy refuses pickles: 403 with the verdict's code.
        var (refused, refusal) = await UploadAsync(plain, pickle, "mine.ckpt", ["models", "checkpoints"], contentType: "application/octet-stream");
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        var code = ComfySchemas.AssertValid(ComfySchemas.Error, refusal);
        Assert.Equal("FORMAT_NOT_ALLOWED", code.GetProperty("code").GetString());

        // An uploaded pickle is scanned like a looked-up one: os.system behind REDUCE is refused even where pickles are allowed.
        var dangerous = PickleBypasses.Get("os-system-reduce");
        var (unsafeStatus, unsafeBody) = await UploadAsync(pickles, dangerous.Bytes, "gadget.ckpt", ["models", "checkpoints"], contentType: "application/octet-stream");
        Assert.Equal(HttpStatusCode.Forbidden, unsafeStatus);
        Assert.Equal("UNSAFE_PICKLE_SCAN", ComfySchemas.AssertValid(ComfySchemas.Error, unsafeBody).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound,
            (await pickles.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/assets/hash/sha256:" + Sha256(dangerous.Bytes)))).StatusCode);
    }

    [Fact]
    public async Task Content_RangeEtagAndConditionals()
    {
        using var client = hosts.Gateway.Client(TestKeys.Default);
        var file = Lora(20_000, seed: 310);
        var (_, body) = await UploadAsync(client, file, "range.safetensors", ["models", "loras"], contentType: "application/octet-stream");
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        var etag = $"\"{Sha256(file)}\"";

        using var whole = await client.GetAsync($"/api/assets/{id}/content");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(etag, whole.Headers.ETag?.ToString());
        Assert.Equal(file.Length, whole.Content.Headers.ContentLength);
        Assert.Equal("range.safetensors", whole.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal(file, await whole.Content.ReadAsByteArrayAsync());

        using var part = await SendRangeAsync(client, id, r => r.Headers.Range = new RangeHeaderValue(100, 199));
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal($"bytes 100-199/{file.Length}", part.Content.Headers.ContentRange?.ToString());
        Assert.Equal(file[100..200], await part.Content.ReadAsByteArrayAsync());

        using var suffix = await SendRangeAsync(client, id, r => r.Headers.Range = new RangeHeaderValue(null, 10));
        Assert.Equal(file[^10..], await suffix.Content.ReadAsByteArrayAsync());

        using var beyond = await SendRangeAsync(client, id, r => r.Headers.Range = new RangeHeaderValue(file.Length, null));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
        Assert.Equal($"bytes */{file.Length}", beyond.Content.Headers.ContentRange?.ToString());

        using var notModified = await SendRangeAsync(client, id, r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag)));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var staleIfRange = await SendRangeAsync(client, id, r =>
        {
            r.Headers.Range = new RangeHeaderValue(0, 9);
            r.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"other\""));
        });
        Assert.Equal(HttpStatusCode.OK, staleIfRange.StatusCode);
        Assert.Equal(file.Length, (await staleIfRange.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task UpdateAndDelete_TheBlobGoesWithItsLastReference()
    {
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var strict = hosts.Gateway.Client(TestKeys.Strict);
        var file = Lora(15_000, seed: 320);
        var sha256 = Sha256(file);
        var (_, body) = await UploadAsync(client, file, "keep.safetensors", ["models", "loras"], contentType: "application/octet-stream");
        var first = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        var (fromHashStatus, fromHashBody) = await PostJsonAsync(strict, "/api/assets/from-hash", new JsonObject
        {
            ["hash"] = "sha256:" + sha256,
            ["name"] = "strict-copy.safetensors",
            ["tags"] = new JsonArray("models", "vae"),
        });
        Assert.Equal(HttpStatusCode.Created, fromHashStatus);
        var copy = ComfySchemas.AssertValid(ComfySchemas.AssetCreated, fromHashBody);
        Assert.False(copy.GetProperty("created_new").GetBoolean());
        var second = copy.GetProperty("id").GetString()!;

        var (putStatus, putBody) = await SendAsync(client, new HttpRequestMessage(HttpMethod.Put, $"/api/assets/{first}")
        {
            Content = new StringContent("""{"name":"renamed.safetensors","tags":["models","loras","favourite"],"user_metadata":{"stars":5}}""", Encoding.UTF8, "application/json"),
        });
        Assert.Equal(HttpStatusCode.OK, putStatus);
        var updated = ComfySchemas.AssertValid(ComfySchemas.Asset, putBody);
        Assert.Equal("renamed.safetensors", updated.GetProperty("name").GetString());
        Assert.Equal(["favourite", "loras", "models"], updated.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(5, updated.GetProperty("user_metadata").GetProperty("stars").GetInt32());

        var library = hosts.Gateway.Services.GetRequiredService<ModelLibrary>();
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(client, first)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, $"/api/assets/{first}")).Status);
        Assert.True(await library.ExistsAsync(sha256, default)); // another reference keeps it
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(strict, $"/api/assets/{second}/content")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(strict, second)).Status);
        Assert.False(await library.ExistsAsync(sha256, default));
        Assert.False(File.Exists(Path.Combine(hosts.LibraryPath, "models", "vae", "strict-copy.safetensors")));
        Assert.Equal(HttpStatusCode.NotFound, (await PostJsonAsync(strict, "/api/assets/from-hash", new JsonObject
        {
            ["hash"] = "sha256:" + sha256,
            ["tags"] = new JsonArray("models"),
        })).Status);
    }

    [Theory]
    [InlineData("POST", "/api/assets/download", "{not json", "INVALID_JSON")]
    [InlineData("POST", "/api/assets/download", "[1,2]", "INVALID_JSON")]
    [InlineData("POST", "/api/assets/download", "{}", "INVALID_FIELD")]
    [InlineData("POST", "/api/assets/download", """{"source_url":"https://civitai.com/api/download/models/1","tags":"models"}""", "INVALID_FIELD")]
    [InlineData("POST", "/api/assets/download", """{"source_url":"https://civitai.com/api/download/models/1","tags":[1,2]}""", "INVALID_FIELD")]
    [InlineData("POST", "/api/assets/download", """{"source_url":"https://civitai.com/api/download/models/1","user_metadata":[]}""", "INVALID_FIELD")]
    [InlineData("POST", "/api/assets/download", """{"source_url":"https://civitai.com/api/download/models/1","preview_id":"nope"}""", "INVALID_FIELD")]
    [InlineData("POST", "/api/assets/download", """{"source_url":"ftp://example.com/x.safetensors"}""", "INVALID_URL_FORMAT")]
    [InlineData("POST", "/api/assets/from-hash", """{"hash":"sha256:xyz","tags":["a"]}""", "INVALID_HASH")]
    [InlineData("POST", "/api/assets/from-hash", """{"hash":"sha256:0000000000000000000000000000000000000000000000000000000000000000","tags":[]}""", "INVALID_FIELD")]
    [InlineData("GET", "/api/assets?limit=0", null, "INVALID_QUERY")]
    [InlineData("GET", "/api/assets?limit=501", null, "INVALID_QUERY")]
    [InlineData("GET", "/api/assets?limit=ten", null, "INVALID_QUERY")]
    [InlineData("GET", "/api/assets?offset=-1", null, "INVALID_QUERY")]
    [InlineData("GET", "/api/assets?sort=popularity", null, "INVALID_QUERY")]
    [InlineData("GET", "/api/assets?order=up", null, "INVALID_QUERY")]
    [InlineData("GET", "/api/tags?limit=1001", null, "INVALID_QUERY")]
    public async Task BadInput_400WithACode(string method, string path, string? body, string code)
    {
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        var (status, answer) = await SendAsync(client, request);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, ComfySchemas.AssertValid(ComfySchemas.Error, answer).GetProperty("code").GetString());
    }

    [Fact]
    public async Task BadUploadsUnknownIdsAndNoKey_AnsweredWithCodes()
    {
        using var client = hosts.Gateway.Client(TestKeys.Default);
        var imports = Path.Combine(hosts.LibraryPath, "imports");
        Directory.CreateDirectory(imports);
        var before = Directory.EnumerateFiles(imports).ToHashSet();
        var (tooLarge, tooLargeBody) = await UploadAsync(client, new byte[LibraryHosts.MaxUploadBytes + 1], "big.bin", ["models"], contentType: "application/octet-stream");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        Assert.Equal("UPLOAD_TOO_LARGE", ComfySchemas.AssertValid(ComfySchemas.Error, tooLargeBody).GetProperty("code").GetString());
        Assert.Empty(Directory.EnumerateFiles(imports).Except(before)); // nothing left behind

        var (json, jsonBody) = await PostJsonAsync(client, "/api/assets", new JsonObject { ["url"] = "https://civitai.com/api/download/models/1" });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", ComfySchemas.AssertValid(ComfySchemas.Error, jsonBody).GetProperty("code").GetString());

        var (notImage, notImageBody) = await UploadAsync(client, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], "broken.png", ["preview"]);
        Assert.Equal(HttpStatusCode.BadRequest, notImage);
        Assert.Equal("INVALID_IMAGE", ComfySchemas.AssertValid(ComfySchemas.Error, notImageBody).GetProperty("code").GetString());

        foreach (var path in new[] { $"/api/assets/{Guid.NewGuid()}", "/api/assets/not-a-uuid", $"/api/assets/{Guid.NewGuid()}/content",
            $"/api/tasks/{Guid.NewGuid()}", "/api/tasks/not-a-uuid" })
        {
            var (status, body) = await GetAsync(client, path);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("NOT_FOUND", ComfySchemas.AssertValid(ComfySchemas.Error, body).GetProperty("code").GetString());
        }
        using var anonymous = hosts.Gateway.Client(null);
        var (unauthorized, unauthorizedBody) = await GetAsync(anonymous, "/api/assets");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized);
        Assert.Equal("UNAUTHORIZED", ComfySchemas.AssertValid(ComfySchemas.Error, unauthorizedBody).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Tasks_SameKeyAndUrlWhileRunning_OneTask_CancelEndsIt_OtherKeysDoNotSeeIt()
    {
        var file = LibraryHosts.LoraWithThumbnail(100_000, 330);
        hosts.Sources.CivitAi.AddDownload(8330, "slow-8330.safetensors", file);
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hosts.Sources.CivitAi.HandleObject(8330, async context =>
        {
            if (context.Request.Headers.Range.Count > 0)
            {
                await FakeCivitAi.ObjectResult(file).ExecuteAsync(context);
                return;
            }
            context.Response.ContentLength = file.Length;
            try
            {
                for (var offset = 0; ; offset = (offset + 512) % (file.Length - 512))
                {
                    await context.Response.Body.WriteAsync(file.AsMemory(offset, 512), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(200, context.RequestAborted);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                aborted.TrySetResult();
            }
        });
        using var client = hosts.Gateway.Client(TestKeys.Default);
        var request = new JsonObject { ["source_url"] = "https://civitai.com/api/download/models/8330", ["tags"] = new JsonArray("models", "loras") };
        var (firstStatus, firstBody) = await PostJsonAsync(client, "/api/assets/download", request.DeepClone());
        var (secondStatus, secondBody) = await PostJsonAsync(client, "/api/assets/download", request.DeepClone());
        Assert.Equal(HttpStatusCode.Accepted, firstStatus);
        Assert.Equal(HttpStatusCode.Accepted, secondStatus);
        var taskId = JsonDocument.Parse(firstBody).RootElement.GetProperty("task_id").GetString()!;
        Assert.Equal(taskId, JsonDocument.Parse(secondBody).RootElement.GetProperty("task_id").GetString());

        using var strict = hosts.Gateway.Client(TestKeys.Strict);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(strict, "/api/tasks/" + taskId)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(strict, new HttpRequestMessage(HttpMethod.Post, $"/api/tasks/{taskId}/cancel"))).Status);

        var (cancelStatus, cancelBody) = await SendAsync(client, new HttpRequestMessage(HttpMethod.Post, $"/api/tasks/{taskId}/cancel"));
        Assert.Equal(HttpStatusCode.OK, cancelStatus);
        var cancelled = ComfySchemas.AssertValid(ComfySchemas.Task, cancelBody);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.True(cancelled.TryGetProperty("completed_at", out _));
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the download itself stopped (at the next heartbeat)
        await Task.Delay(500);
        Assert.Equal("cancelled", ComfySchemas.AssertValid(ComfySchemas.Task, (await GetAsync(client, "/api/tasks/" + taskId)).Body)
            .GetProperty("status").GetString());

        // The key and URL are free again: a new task.
        var (thirdStatus, thirdBody) = await PostJsonAsync(client, "/api/assets/download", request.DeepClone());
        Assert.Equal(HttpStatusCode.Accepted, thirdStatus);
        var third = JsonDocument.Parse(thirdBody).RootElement.GetProperty("task_id").GetString()!;
        Assert.NotEqual(taskId, third);
        await SendAsync(client, new HttpRequestMessage(HttpMethod.Post, $"/api/tasks/{third}/cancel"));
    }

    [Fact]
    public async Task OpenApi_EveryLibraryEndpoint()
    {
        using var client = hosts.Gateway.Client(null);
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject();
        foreach (var (path, methods) in new Dictionary<string, string[]>
        {
            ["/api/assets"] = ["get", "post"],
            ["/api/assets/download"] = ["get", "head", "post"],
            ["/api/assets/from-hash"] = ["post"],
            ["/api/assets/hash/{hash}"] = ["head"],
            ["/api/assets/{id}"] = ["get", "put", "delete"],
            ["/api/assets/{id}/content"] = ["get", "head"],
            ["/api/tags"] = ["get"],
            ["/api/tasks/{id}"] = ["get"],
            ["/api/tasks/{id}/cancel"] = ["post"],
        })
        {
            Assert.True(paths.ContainsKey(path), $"{path} is not in the OpenAPI document.");
            Assert.Equal(methods.Order(StringComparer.Ordinal), paths[path]!.AsObject().Select(m => m.Key).Where(k => k != "parameters").Order(StringComparer.Ordinal));
        }
        var import = paths["/api/assets/download"]!["post"]!["responses"]!.AsObject();
        Assert.Equal(["200", "202", "400", "401", "403", "422", "429", "500", "503"], import.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.Contains("FORMAT_NOT_ALLOWED", import["403"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> SendRangeAsync(HttpClient client, string id, Action<HttpRequestMessage> configure)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/assets/{id}/content");
        configure(request);
        return client.SendAsync(request);
    }

    private static Task<(HttpStatusCode Status, string Body)> DeleteAsync(HttpClient client, string id) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Delete, $"/api/assets/{id}"));

    /// <summary>A small real safetensors LoRA with <paramref name="dataBytes"/> bytes of data (uploads stay under the cap).</summary>
    private static byte[] Lora(int dataBytes, int seed) => DownloadHosts.SafeTensors(dataBytes, seed);

    /// <summary>A page as one comparable value: the names in order, the total, whether there is more.</summary>
    private static string Normalize((string[] Names, int Total, bool HasMore) page) => $"[{string.Join(", ", page.Names)}] {page.Total} {page.HasMore}";
}
