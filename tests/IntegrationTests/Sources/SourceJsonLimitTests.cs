using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Security;

namespace ModelGateway.IntegrationTests.Sources;

/// <summary>Named sources read their API answers under <c>Egress:MaxJsonBytes</c>, not a cap of their own.</summary>
public sealed class SourceJsonLimitTests
{
    [Fact]
    public async Task RemoteMetadata_CivitAiAnswerLargerThanMaxJsonBytes_MetadataFetchFailed()
    {
        var padding = new string('x', 3000);
        await using var api = await FakeHost.StartAsync((app, _) => app.MapGet("/api/v1/model-versions/{id:long}", (long id) =>
            Results.Content($$"""{"id":{{id}},"description":"{{padding}}","files":[]}""", "application/json")));
        await using var gateway = new SecurityGateway(new()
        {
            ["Egress:MaxJsonBytes"] = "2048",
            ["Sources:CivitAI:BaseUrl"] = api.BaseUri.AbsoluteUri.TrimEnd('/'),
        }, new LoopbackResolver([]));

        var (status, code, body) = await gateway.ProbeAsync("https://civitai.com/api/download/models/9");

        Assert.True((status, code) == (422, "METADATA_FETCH_FAILED"), body);
        Assert.Contains("The source's answer is larger than 2048 bytes.", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoteMetadata_HuggingFaceRepoAnswerAboveOneMegabyteButWithinMaxJsonBytes_TagsUsed()
    {
        var padding = new string('x', 1536 * 1024);
        await using var hub = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/org/repo/resolve/main/model.safetensors", ["HEAD"], (HttpContext c) =>
            {
                c.Response.ContentLength = 1234;
                c.Response.ContentType = "application/octet-stream";
                return Task.CompletedTask;
            });
            app.MapGet("/api/{**rest}", () => Results.Content($$"""{"tags":["lora"],"cardData":"{{padding}}"}""", "application/json"));
        });
        await using var gateway = new SecurityGateway(new()
        {
            ["Policy:VerifyContent"] = "false",
            ["Sources:HuggingFace:BaseUrl"] = hub.BaseUri.AbsoluteUri.TrimEnd('/'),
        }, new LoopbackResolver([]));

        var (status, _, body) = await gateway.ProbeAsync("https://huggingface.co/org/repo/resolve/main/model.safetensors");

        Assert.True(status == 200, body);
        Assert.Contains("\"tags\":[\"models\",\"loras\"]", body, StringComparison.Ordinal);
    }
}
