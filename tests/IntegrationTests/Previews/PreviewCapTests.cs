using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Previews;

/// <summary>A preview is capped by bytes and by pixels, whatever its format and source.</summary>
public sealed class PreviewCapTests
{
    public static TheoryData<string> Formats() => ["png", "jpeg", "gif", "webp", "avif"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task RemoteMetadata_ThumbnailWithinThePixelCap_Shown_AbovePixelCap_Omitted(string subtype)
    {
        var image = TestImages.All.First(i => i.Subtype == subtype).Bytes; // 3×2 = 6 pixels
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Thumb", TestImages.DataUrl(image, subtype)));
        await using var host = await FakeHost.StartAsync((app, _) => app.MapMethods("/files/thumb.safetensors", ["GET", "HEAD"], () =>
            Results.Bytes(file, "application/octet-stream", enableRangeProcessing: true)));
        await using var atCap = new GatewayFactory(new Dictionary<string, string?> { ["Previews:MaxPixels"] = "6" });
        await using var belowCap = new GatewayFactory(new Dictionary<string, string?> { ["Previews:MaxPixels"] = "5" });

        var shown = await MetadataAsync(atCap, host.Url("files/thumb.safetensors"));
        var omitted = await MetadataAsync(belowCap, host.Url("files/thumb.safetensors"));

        Assert.Equal(TestImages.DataUrl(image, subtype), shown.GetProperty("preview_image").GetString());
        Assert.False(omitted.TryGetProperty("preview_image", out _));
        Assert.Equal("Thumb", omitted.GetProperty("name").GetString()); // the rest of the header still counts
    }

    [Fact]
    public async Task RemoteMetadata_ThumbnailAboveTheByteCap_Omitted()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Noisy", TestImages.DataUrl(TestImages.NoisePng, "png")));
        await using var host = await FakeHost.StartAsync((app, _) => app.MapMethods("/files/noisy.safetensors", ["GET", "HEAD"], () =>
            Results.Bytes(file, "application/octet-stream", enableRangeProcessing: true)));
        await using var atCap = new GatewayFactory(new Dictionary<string, string?> { ["Previews:MaxBytes"] = $"{TestImages.NoisePng.Length}" });
        await using var belowCap = new GatewayFactory(new Dictionary<string, string?> { ["Previews:MaxBytes"] = $"{TestImages.NoisePng.Length - 1}" });

        var shown = await MetadataAsync(atCap, host.Url("files/noisy.safetensors"));
        var omitted = await MetadataAsync(belowCap, host.Url("files/noisy.safetensors"));

        Assert.Equal(TestImages.DataUrl(TestImages.NoisePng, "png"), shown.GetProperty("preview_image").GetString());
        Assert.False(omitted.TryGetProperty("preview_image", out _));
    }

    [Theory]
    [InlineData("Previews:MaxPixels", "1599")] // 40×40 = 1600 pixels
    [InlineData("Previews:MaxBytes", "4096")]
    public async Task RemoteMetadata_CivitAiImageAboveACap_OmittedAfterOneBoundedRead(string key, string value)
    {
        await using var civitai = await PreviewCivitAi.StartAsync(TestImages.NoisePng);
        await using var capped = civitai.Gateway((key, value));
        await using var uncapped = civitai.Gateway();

        var omitted = await MetadataAsync(capped, new Uri(PreviewCivitAi.Url));
        var shown = await MetadataAsync(uncapped, new Uri(PreviewCivitAi.Url));

        Assert.False(omitted.TryGetProperty("preview_image", out _));
        Assert.True(omitted.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Equal(TestImages.DataUrl(TestImages.NoisePng, "png"), shown.GetProperty("preview_image").GetString());
    }

    private static async Task<JsonElement> MetadataAsync(GatewayFactory gateway, Uri url)
    {
        using var client = gateway.CreateClient(TestKeys.Default);
        using var response = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(url.AbsoluteUri));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }
}
