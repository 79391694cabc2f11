using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Policies;
using ModelGateway.Sniffing;
using ModelGateway.Sources;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Sniffing;

public sealed class ContentSniffingTests
{
    [Fact]
    public async Task RemoteMetadata_PickleNamedSafetensors_IsRejectedAsPickleTensor()
    {
        await using var host = await FakeHost.StartAsync((app, _) => MapFile(app, "/files/model.safetensors", ModelFiles.TorchZip()));
        await using var gateway = new GatewayFactory();

        var (status, json) = await GetMetadataAsync(gateway, host.Url("files/model.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        var root = json.RootElement;
        Assert.Equal("PickleTensor", root.GetProperty("format").GetString());
        var validation = root.GetProperty("validation");
        Assert.False(validation.GetProperty("is_valid").GetBoolean());
        Assert.Equal("FORMAT_NOT_ALLOWED", validation.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal("File format \"PickleTensor\" is not allowed. Allowed formats: [SafeTensor]",
            validation.GetProperty("errors")[0].GetProperty("message").GetString());
        Assert.Equal(["FORMAT_MISMATCH"], Codes(validation.GetProperty("warnings")));
        Assert.Equal("File claims format \"SafeTensor\" but its content is \"PickleTensor\".",
            validation.GetProperty("warnings")[0].GetProperty("message").GetString());
        var read = Assert.Single(host.Requests, r => r.Method == "GET");
        Assert.Equal("bytes=0-102399", read.Header("Range"));
    }

    [Fact]
    public async Task RemoteMetadata_SafetensorsWithModelSpec_TakesNameTagAndPreviewFromHeader()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Pixel Art XL", ModelFiles.PngDataUrl()),
            [new("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", "F16", [4, 320])]);
        await using var host = await FakeHost.StartAsync((app, _) => MapFile(app, "/files/pixel-art-xl.safetensors", file));
        await using var gateway = new GatewayFactory();

        var (status, json) = await GetMetadataAsync(gateway, host.Url("files/pixel-art-xl.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        var root = json.RootElement;
        Assert.Equal("Pixel Art XL", root.GetProperty("name").GetString());
        Assert.Equal(["models", "loras"], root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(ModelFiles.PngDataUrl(), root.GetProperty("preview_image").GetString());
        Assert.Equal("SafeTensor", root.GetProperty("format").GetString());
        Assert.Equal("pixel-art-xl.safetensors", root.GetProperty("filename").GetString());
        Assert.Equal(file.Length, root.GetProperty("content_length").GetInt64());
        Assert.True(root.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Empty(Codes(root.GetProperty("validation").GetProperty("warnings")));
    }

    [Fact]
    public async Task RemoteMetadata_HeaderLongerThanFirstRead_ReadsTheRestWithASecondRange()
    {
        var metadata = ModelFiles.LoraMetadata("Long Header LoRA");
        metadata["ss_tag_frequency"] = new string('t', 300_000);
        var file = ModelFiles.SafeTensors(metadata);
        var headerEnd = 8 + (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(file);
        await using var host = await FakeHost.StartAsync((app, _) => MapFile(app, "/files/long.safetensors", file));
        await using var gateway = new GatewayFactory();

        var (status, json) = await GetMetadataAsync(gateway, host.Url("files/long.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Long Header LoRA", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(["bytes=0-102399", $"bytes=102400-{headerEnd - 1}"],
            host.Requests.Where(r => r.Method == "GET").Select(r => r.Header("Range")));
    }

    [Fact]
    public async Task RemoteMetadata_ServerIgnoresRange_ReadsOnlyTheHeadAndDropsTheConnection()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Big Model"), [new("model.diffusion_model.w", "F32", [8, 1024, 1024])]);
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/big.safetensors", ["GET", "HEAD"], async (HttpContext c) =>
            {
                c.Response.ContentLength = file.Length;
                c.Response.ContentType = "application/octet-stream";
                if (HttpMethods.IsHead(c.Request.Method))
                {
                    return;
                }
                try
                {
                    for (var offset = 0; offset < file.Length && !c.RequestAborted.IsCancellationRequested; offset += 64 * 1024)
                    {
                        await c.Response.Body.WriteAsync(file.AsMemory(offset, Math.Min(64 * 1024, file.Length - offset)), c.RequestAborted);
                        await Task.Delay(1, c.RequestAborted);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    // the gateway hung up, as it should
                }
            }));
        await using var gateway = new GatewayFactory();

        var (status, json) = await GetMetadataAsync(gateway, host.Url("files/big.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Big Model", json.RootElement.GetProperty("name").GetString());
        Assert.Equal("SafeTensor", json.RootElement.GetProperty("format").GetString());
        Assert.Empty(Codes(json.RootElement.GetProperty("validation").GetProperty("warnings")));
        await Task.Delay(200); // let the fake notice the hang-up
        Assert.True(host.BytesServed < 4 * 1024 * 1024, $"served {host.BytesServed} of {file.Length} bytes");
    }

    [Theory]
    [InlineData("abort")]
    [InlineData("405")]
    [InlineData("gzip")]
    public async Task RemoteMetadata_ContentReadFails_AnswersWithFormatUnverified(string failure)
    {
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], async (HttpContext c) =>
            {
                c.Response.ContentLength = 5000;
                if (HttpMethods.IsHead(c.Request.Method))
                {
                    return;
                }
                switch (failure)
                {
                    case "abort": // the head's answer breaks off after its headers
                        c.Response.StatusCode = 206;
                        c.Response.Headers.ContentRange = "bytes 0-4999/5000";
                        await c.Response.Body.WriteAsync(new byte[100]);
                        await c.Response.Body.FlushAsync();
                        await Task.Delay(200); // the headers reach the gateway before the reset
                        c.Abort();
                        break;
                    case "405": // the host refuses Range requests; HEAD still tells the size
                        c.Response.ContentLength = null;
                        c.Response.StatusCode = 405;
                        break;
                    default: // an encoded body is not the file's bytes
                        c.Response.ContentLength = 20;
                        c.Response.Headers.ContentEncoding = "gzip";
                        await c.Response.Body.WriteAsync(new byte[20]);
                        break;
                }
            }));
        await using var gateway = new GatewayFactory();

        var (status, json) = await GetMetadataAsync(gateway, host.Url("files/model.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        var root = json.RootElement;
        Assert.Equal("SafeTensor", root.GetProperty("format").GetString());
        Assert.Equal(5000, root.GetProperty("content_length").GetInt64());
        Assert.True(root.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Equal(["FORMAT_UNVERIFIED"], Codes(root.GetProperty("validation").GetProperty("warnings")));
    }

    [Fact]
    public async Task RemoteMetadata_ContentReadOutlastsTheProbeTimeout_AnswersWithFormatUnverified()
    {
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/slow.safetensors", ["GET", "HEAD"], async (HttpContext c) =>
            {
                // The headers come at once; the bytes would take longer than the probe may.
                c.Response.StatusCode = 206;
                c.Response.Headers.ContentRange = "bytes 0-4999/5000";
                c.Response.ContentLength = 5000;
                await c.Response.Body.FlushAsync();
                await Task.Delay(TimeSpan.FromSeconds(10), c.RequestAborted);
            }));
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["Egress:TimeoutSeconds"] = "1" });

        var (status, json) = await GetMetadataAsync(gateway, host.Url("files/slow.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(5000, json.RootElement.GetProperty("content_length").GetInt64());
        Assert.Equal(["FORMAT_UNVERIFIED"], Codes(json.RootElement.GetProperty("validation").GetProperty("warnings")));
    }

    [Fact]
    public async Task RemoteMetadata_EmptyFileNamedSafetensors_IsOther()
    {
        await using var host = await FakeHost.StartAsync((app, _) => MapFile(app, "/files/empty.safetensors", []));
        await using var gateway = new GatewayFactory();

        var (status, json) = await GetMetadataAsync(gateway, host.Url("files/empty.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Other", json.RootElement.GetProperty("format").GetString());
        Assert.Equal("FORMAT_NOT_ALLOWED", json.RootElement.GetProperty("validation").GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal(["FORMAT_MISMATCH"], Codes(json.RootElement.GetProperty("validation").GetProperty("warnings")));
    }

    [Fact]
    public async Task RemoteMetadata_VerifyContentOff_OneByteRangeAndNoContentCheck()
    {
        await using var host = await FakeHost.StartAsync((app, _) => MapFile(app, "/files/model.safetensors", ModelFiles.TorchZip()));
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["Policy:VerifyContent"] = "false" });

        var (status, json) = await GetMetadataAsync(gateway, host.Url("files/model.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("SafeTensor", json.RootElement.GetProperty("format").GetString());
        Assert.Empty(Codes(json.RootElement.GetProperty("validation").GetProperty("warnings")));
        var request = Assert.Single(host.Requests);
        Assert.Equal(("GET", "bytes=0-0"), (request.Method, request.Header("Range")));
    }

    [Fact]
    public async Task RemoteMetadata_GgufOnGenericHost_NamesItFromTheHeader()
    {
        await using var host = await FakeHost.StartAsync((app, _) => MapFile(app, "/files/flux-q4.gguf", ModelFiles.Gguf("FLUX.1 dev Q4_K_S", "flux")));
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["Policy:AllowedFormats:0"] = "GGUF" });

        var (status, json) = await GetMetadataAsync(gateway, host.Url("files/flux-q4.gguf"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("FLUX.1 dev Q4_K_S", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(["models", "diffusion_models"], json.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("GGUF", json.RootElement.GetProperty("format").GetString());
        Assert.True(json.RootElement.GetProperty("validation").GetProperty("is_valid").GetBoolean());
    }

    [Fact]
    public async Task InspectAsync_RedirectToStorage_SendsSourceCredentialsOnlyToTheSourceHost()
    {
        var file = ModelFiles.SafeTensors();
        await using var storage = await FakeHost.StartAsync((app, _) => MapFile(app, "/blobs/abc123", file));
        await using var source = await FakeHost.StartAsync((app, _) =>
            app.MapGet("/download/model.safetensors", () => Results.Redirect(storage.Url("blobs/abc123").AbsoluteUri)));
        await using var gateway = new GatewayFactory();
        var inspector = gateway.Services.GetRequiredService<ContentInspector>();
        var facts = new AssetFacts { Source = "test", Format = ModelFormat.SafeTensor, ContentLength = file.Length, Filename = "model.safetensors" };
        var location = new ContentLocation(source.Url("download/model.safetensors"), message =>
        {
            if (message.RequestUri!.Port == source.BaseUri.Port)
            {
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "source-secret");
            }
        });

        var verified = await inspector.InspectAsync(new ProbeResult(facts, location), new ProbeScope([], [], ContentSniffer.HeadBytes), CancellationToken.None);

        Assert.Equal(FormatCheck.Verified, verified.FormatCheck);
        Assert.Equal("Bearer source-secret", Assert.Single(source.Requests).Header("Authorization"));
        var blobRead = Assert.Single(storage.Requests);
        Assert.Null(blobRead.Header("Authorization"));
        Assert.Equal("bytes=0-102399", blobRead.Header("Range"));
    }

    [Fact]
    public async Task InspectAsync_ClaimedSizeOffButContentRangeTotalTrue_SafetensorsVerified()
    {
        // CivitAI's size is round(sizeKB * 1024): a few bytes off must not make a real safetensors file "Other".
        var file = ModelFiles.SafeTensors();
        await using var host = await FakeHost.StartAsync((app, _) => MapFile(app, "/files/model.safetensors", file));
        await using var gateway = new GatewayFactory();
        var inspector = gateway.Services.GetRequiredService<ContentInspector>();
        var facts = new AssetFacts { Source = "test", Format = ModelFormat.SafeTensor, ContentLength = file.Length + 300, Filename = "model.safetensors" };

        var verified = await inspector.InspectAsync(new ProbeResult(facts, new ContentLocation(host.Url("files/model.safetensors"))), new ProbeScope([], [], ContentSniffer.HeadBytes), CancellationToken.None);

        Assert.Equal(FormatCheck.Verified, verified.FormatCheck);
        Assert.Equal(ModelFormat.SafeTensor, verified.Format);
        Assert.Equal(file.Length + 300, verified.ContentLength); // the source's claim is reported as it is
    }

    [Fact]
    public async Task InspectAsync_SourceToldNoSize_ContentRangeTotalFillsIt()
    {
        var file = ModelFiles.SafeTensors();
        await using var host = await FakeHost.StartAsync((app, _) => MapFile(app, "/files/model.safetensors", file));
        await using var gateway = new GatewayFactory();
        var inspector = gateway.Services.GetRequiredService<ContentInspector>();
        var facts = new AssetFacts { Source = "test", Format = ModelFormat.SafeTensor, ContentLength = null, Filename = "model.safetensors" };

        var verified = await inspector.InspectAsync(new ProbeResult(facts, new ContentLocation(host.Url("files/model.safetensors"))), new ProbeScope([], [], ContentSniffer.HeadBytes), CancellationToken.None);

        Assert.Equal(FormatCheck.Verified, verified.FormatCheck);
        Assert.Equal(file.Length, verified.ContentLength);
    }

    private static void MapFile(WebApplication app, string path, byte[] bytes) =>
        app.MapMethods(path, ["GET", "HEAD"], () => Results.Bytes(bytes, "application/octet-stream", enableRangeProcessing: true));

    private static async Task<(HttpStatusCode Status, JsonDocument Json)> GetMetadataAsync(GatewayFactory gateway, Uri url)
    {
        using var client = gateway.CreateClient(TestKeys.Default);
        using var response = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(url.AbsoluteUri));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    private static string[] Codes(JsonElement issues) =>
        [.. issues.EnumerateArray().Select(i => i.GetProperty("code").GetString()!)];
}
