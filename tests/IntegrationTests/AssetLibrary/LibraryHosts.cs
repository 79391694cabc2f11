using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.AssetLibrary;

/// <summary>
/// The fake CivitAI and Hugging Face of <see cref="DownloadHosts"/>, and a gateway of its own on a real socket with the
/// library on SQLite in its own directory: a third key whose profile allows pickles, and a small upload cap.
/// </summary>
public sealed class LibraryHosts : IAsyncLifetime
{
    public const string PickleKey = "pickle-team-key-0123456789";
    public const int MaxUploadBytes = 400_000;

    public DownloadHosts Sources { get; } = new();

    public LoopbackGateway Gateway { get; private set; } = null!;

    public string LibraryPath => Gateway.Services.GetRequiredService<IConfiguration>()["Library:Path"]!;

    public async Task InitializeAsync()
    {
        await Sources.InitializeAsync();
        Gateway = LoopbackGateway.Start(Settings());
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Sources.DisposeAsync();
    }

    public Dictionary<string, string?> Settings()
    {
        var settings = Sources.Settings();
        settings["ApiKeys:3:Name"] = "pickle-team";
        settings["ApiKeys:3:KeySha256"] = TestKeys.Sha256Hex(PickleKey);
        settings["ApiKeys:3:Policy"] = "pickles";
        settings["PolicyProfiles:pickles:AllowedFormats:0"] = "SafeTensor";
        settings["PolicyProfiles:pickles:AllowedFormats:1"] = "PickleTensor";
        settings["Library:MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Library:TaskLeaseSeconds"] = "3"; // heartbeats (and so cancellations) every second
        return settings;
    }

    /// <summary>
    /// A real safetensors LoRA whose header carries a PNG thumbnail (so remote-metadata has a <c>preview_image</c>) and
    /// <paramref name="dataBytes"/> bytes of tensor data that are not zeros.
    /// </summary>
    public static byte[] LoraWithThumbnail(int dataBytes, int seed)
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata($"Library {seed}", ModelFiles.PngDataUrl()),
            [new TensorSpec("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", "F16", [dataBytes / 2])]);
        var dataStart = 8 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(file);
        new Random(seed).NextBytes(file.AsSpan(dataStart));
        return file;
    }
}

/// <summary>The calls the ComfyUI frontend makes, as it makes them (bodies, query strings, multipart fields).</summary>
internal static class FrontendCalls
{
    public static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient client, string path) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Get, path));

    public static Task<(HttpStatusCode Status, string Body)> PostJsonAsync(HttpClient client, string path, JsonNode body) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") });

    /// <summary><c>uploadAssetFromBase64</c>: the bytes as a Blob named <paramref name="name"/>, tags as JSON text.</summary>
    public static Task<(HttpStatusCode Status, string Body)> UploadAsync(HttpClient client, byte[] bytes, string name, string[] tags,
        JsonObject? userMetadata = null, string contentType = "image/png")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "file", name);
        form.Add(new StringContent(JsonSerializer.Serialize(tags)), "tags");
        if (userMetadata is not null)
        {
            form.Add(new StringContent(userMetadata.ToJsonString()), "user_metadata");
        }
        return SendAsync(client, new HttpRequestMessage(HttpMethod.Post, "/api/assets") { Content = form });
    }

    /// <summary><c>assetDownloadStore</c>'s poll: <c>GET /api/tasks/{id}</c> until a terminal status (every 100 ms here, not 10 s).</summary>
    public static async Task<JsonElement> PollTaskAsync(HttpClient client, string taskId, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var (status, body) = await GetAsync(client, "/api/tasks/" + taskId);
            Assert.Equal(HttpStatusCode.OK, status);
            var task = ComfySchemas.AssertValid(ComfySchemas.Task, body);
            if (task.GetProperty("status").GetString() is "completed" or "failed" or "cancelled")
            {
                return task;
            }
            Assert.True(waited.Elapsed < timeout, $"Task {taskId} not finished within {timeout}: {body}");
            await Task.Delay(100);
        }
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    /// <summary>The number of names a file has (a hard link's count), from <c>stat</c>.</summary>
    public static async Task<int> LinkCountAsync(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%h", path]) { RedirectStandardOutput = true })!;
        var output = await stat.StandardOutput.ReadToEndAsync();
        await stat.WaitForExitAsync();
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
