using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Previews;

/// <summary>
/// CivitAI's version API on 127.0.0.1 (the gateway's <c>Sources:CivitAI:BaseUrl</c>) answering version 5001, whose one
/// image is served by another origin under the host name "localhost" (a separate host to the policy's lists).
/// </summary>
internal sealed class PreviewCivitAi : IAsyncDisposable
{
    public const string Url = "https://civitai.com/api/download/models/5001";

    private PreviewCivitAi(FakeHost api, FakeHost images) => (Api, Images) = (api, images);

    public FakeHost Api { get; }

    public FakeHost Images { get; }

    public static async Task<PreviewCivitAi> StartAsync(byte[] image)
    {
        var images = await FakeHost.StartAsync((app, _) =>
            app.MapGet("/{account}/{uuid}/{transform}/{name}", () => Results.Bytes(image, "image/png")));
        var version = new JsonObject
        {
            ["id"] = 5001,
            ["name"] = "v1",
            ["model"] = new JsonObject { ["name"] = "Preview Test", ["type"] = "LORA" },
            ["files"] = new JsonArray(new JsonObject
            {
                ["id"] = 50011, ["name"] = "preview.safetensors", ["type"] = "Model", ["primary"] = true, ["sizeKB"] = 1.0,
                ["metadata"] = new JsonObject { ["format"] = "SafeTensor" },
            }),
            ["images"] = new JsonArray(new JsonObject
            {
                ["url"] = $"http://localhost:{images.BaseUri.Port}/acc/uuid/original=true/1.png", ["nsfwLevel"] = 1, ["type"] = "image",
            }),
        }.ToJsonString();
        var api = await FakeHost.StartAsync((app, _) =>
            app.MapGet("/api/v1/model-versions/5001", () => Results.Content(version, "application/json")));
        return new PreviewCivitAi(api, images);
    }

    /// <summary>A gateway pointed at this CivitAI, without content checks (this CivitAI serves no file).</summary>
    public GatewayFactory Gateway(params (string Key, string Value)[] settings)
    {
        var merged = new Dictionary<string, string?>
        {
            ["Sources:CivitAI:BaseUrl"] = Api.BaseUri.AbsoluteUri.TrimEnd('/'),
            ["Policy:VerifyContent"] = "false",
        };
        foreach (var (key, value) in settings)
        {
            merged[key] = value;
        }
        return new GatewayFactory(merged);
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Images.DisposeAsync();
    }
}
