using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>
/// An internal CivitAI mirror (a named source's private BaseUrl, reached by the name civitai.internal): model versions
/// with one SafeTensor file, and that file's bytes.
/// </summary>
internal static class CivitAiMirror
{
    public static readonly byte[] File = ModelFiles.SafeTensors();

    /// <summary>The mirror, its versions belonging to model <paramref name="modelId"/>.</summary>
    public static Task<FakeHost> StartAsync(int modelId) => FakeHost.StartAsync((app, _) =>
    {
        app.MapGet("/api/v1/model-versions/{id:long}", (long id) => Results.Content(Version(modelId, id), "application/json"));
        app.MapGet("/api/download/models/{id:long}", () => Results.Bytes(File, "application/octet-stream", enableRangeProcessing: true));
    });

    /// <summary>The mirror's origin by the name the gateway is configured with.</summary>
    public static string Origin(FakeHost mirror) => $"http://civitai.internal:{mirror.BaseUri.Port}";

    private static string Version(int modelId, long id) => new JsonObject
    {
        ["id"] = id,
        ["modelId"] = modelId,
        ["name"] = "v1",
        ["model"] = new JsonObject { ["name"] = "Mirrored", ["type"] = "Checkpoint" },
        ["files"] = new JsonArray(new JsonObject
        {
            ["id"] = id * 10,
            ["sizeKB"] = File.Length / 1024.0,
            ["name"] = $"model-{id}.safetensors",
            ["type"] = "Model",
            ["metadata"] = new JsonObject { ["format"] = "SafeTensor" },
            ["primary"] = true,
        }),
    }.ToJsonString();
}
