using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>What an answer shows is what it says: no credential in <c>final_url</c>, no hidden character in a name.</summary>
public sealed class ShownTextTests
{
    [Fact]
    public async Task RemoteMetadata_CredentialLookingParameters_GoneFromFinalUrlByRule()
    {
        await using var host = await FileHostAsync();
        await using var gateway = new GatewayFactory();
        var query = "v=2&private_token=p1&hf_token=h1&access-token=a1&apiKey=k1&session_id=s2&auth=a2&password=w1"
            + "&client_secret=x1&Cookie=c2&type=Model";
        // A presigned URL (signature, credential, expiry) is a capability as a whole: none of its query is shown.
        var presigned = "v=2&X-Amz-Credential=c1&X-Goog-Date=g1&sig=s1&Expires=e1";

        var (_, plain) = await MetadataAsync(gateway, host.Url("files/model.safetensors?" + query));
        var (_, signed) = await MetadataAsync(gateway, host.Url("files/model.safetensors?" + presigned));

        Assert.Equal(host.Url("files/model.safetensors?v=2&type=Model").AbsoluteUri, plain.GetProperty("final_url").GetString());
        Assert.Equal(host.Url("files/model.safetensors").AbsoluteUri, signed.GetProperty("final_url").GetString());
        foreach (var secret in new[] { "p1", "h1", "a1", "k1", "s2", "a2", "w1", "x1", "c2", "c1", "g1", "s1", "e1" })
        {
            Assert.DoesNotContain($"={secret}", plain.GetRawText() + signed.GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RemoteMetadata_RedirectToAnotherOrigin_ItsWholeQueryGoneFromFinalUrl()
    {
        await using var storage = await FileHostAsync();
        await using var redirector = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/start", ["GET", "HEAD"], () =>
                Results.Redirect($"http://localhost:{storage.BaseUri.Port}/files/model.safetensors?opaque=0xCAFE&v=1")));
        await using var gateway = new GatewayFactory();

        var (_, body) = await MetadataAsync(gateway, redirector.Url("start?v=1"));

        Assert.Equal($"http://localhost:{storage.BaseUri.Port}/files/model.safetensors", body.GetProperty("final_url").GetString());
    }

    [Theory]
    [InlineData("attachment; filename*=UTF-8''evil%E2%80%AEgnp.ckpt", "evilgnp.ckpt", "evilgnp")]
    [InlineData("attachment; filename*=UTF-8''mo%E2%80%8Bdel%EF%BB%BF.safetensors", "model.safetensors", "model")]
    [InlineData("attachment; filename*=UTF-8''a%E2%81%A6b%E2%81%A9c%E2%80%8Dd.gguf", "abcd.gguf", "abcd")]
    public async Task RemoteMetadata_InvisibleCharactersInTheServedName_GoneFromFilenameAndName(string disposition, string filename, string name)
    {
        await using var host = await FakeHost.StartAsync((app, _) => app.MapMethods("/download", ["GET", "HEAD"], (HttpContext c) =>
        {
            c.Response.Headers.ContentDisposition = disposition;
            return Results.Bytes(ModelFiles.SafeTensors(), "application/octet-stream", enableRangeProcessing: true);
        }));
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["Policy:AllowedFormats"] = "" });

        var (_, body) = await MetadataAsync(gateway, host.Url("download"));

        Assert.Equal(filename, body.GetProperty("filename").GetString());
        Assert.Equal(name, body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_BidiAndZeroWidthInTheHeadersTitle_GoneFromName()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Safe\u200B LoRA\u202E\u2066 v1\uFEFF"),
            [new("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", "F16", [4, 4])]);
        await using var host = await FakeHost.StartAsync((app, _) => app.MapMethods("/files/lora.safetensors", ["GET", "HEAD"], () =>
            Results.Bytes(file, "application/octet-stream", enableRangeProcessing: true)));
        await using var gateway = new GatewayFactory();

        var (_, body) = await MetadataAsync(gateway, host.Url("files/lora.safetensors"));

        Assert.Equal("Safe LoRA v1", body.GetProperty("name").GetString());
    }

    private static Task<FakeHost> FileHostAsync() => FakeHost.StartAsync((app, _) =>
        app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () =>
            Results.Bytes(ModelFiles.SafeTensors(), "application/octet-stream", enableRangeProcessing: true)));

    private static async Task<(HttpStatusCode Status, JsonElement Body)> MetadataAsync(GatewayFactory gateway, Uri url)
    {
        using var client = gateway.CreateClient(TestKeys.Default);
        var (status, body) = await GatewayRequests.MetadataAsync(client, url.AbsoluteUri);
        Assert.Equal(HttpStatusCode.OK, status);
        return (status, body);
    }
}
