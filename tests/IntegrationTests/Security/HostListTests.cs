using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Previews;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>
/// Host lists on every outbound request: the base policy's lists bound what the gateway ever contacts (first hops of
/// URLs a source provides included); a profile's lists judge the hosts its caller's facts went through.
/// "127.0.0.1" and "localhost" are two hosts to the lists, though both reach the loopback fakes.
/// </summary>
public sealed class HostListTests
{
    [Fact]
    public async Task RemoteMetadata_RedirectThroughAHostTheProfileBlocks_InvalidForThatProfilesCallersOnly()
    {
        await using var storage = await StorageAsync();
        await using var redirector = await RedirectorAsync(storage);
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PolicyProfiles:strict:BlockedHosts:0"] = "localhost" });

        var (_, viaDefault, defaultCache) = await MetadataAsync(gateway, TestKeys.Default, redirector.Url("files/model.safetensors"));
        var (_, viaStrict, strictCache) = await MetadataAsync(gateway, TestKeys.Strict, redirector.Url("files/model.safetensors"));

        Assert.Equal(("MISS", "HIT"), (defaultCache, strictCache)); // one probe; the strict verdict comes from the cached facts
        Assert.True(viaDefault.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        var validation = viaStrict.GetProperty("validation");
        Assert.False(validation.GetProperty("is_valid").GetBoolean());
        var error = Assert.Single(validation.GetProperty("errors").EnumerateArray());
        Assert.Equal("UNSUPPORTED_SOURCE", error.GetProperty("code").GetString());
        Assert.Equal("The file is served through \"localhost\", a host the policy does not allow.", error.GetProperty("message").GetString());
        Assert.Equal("url", error.GetProperty("field").GetString());
        Assert.DoesNotContain("localhost", viaStrict.GetProperty("final_url").GetString()!, StringComparison.Ordinal); // hosts are never shown otherwise
    }

    [Fact]
    public async Task RemoteMetadata_RedirectOutsideTheProfilesAllowList_InvalidForItsCallers()
    {
        await using var storage = await StorageAsync();
        await using var redirector = await RedirectorAsync(storage);
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PolicyProfiles:strict:AllowedHosts:0"] = "127.0.0.1" });

        var (_, viaStrict, _) = await MetadataAsync(gateway, TestKeys.Strict, redirector.Url("files/model.safetensors"));
        var (_, direct, _) = await MetadataAsync(gateway, TestKeys.Strict, redirector.Url("direct/model.safetensors"));

        Assert.Equal(["UNSUPPORTED_SOURCE"], Codes(viaStrict, "errors"));
        Assert.True(direct.GetProperty("validation").GetProperty("is_valid").GetBoolean());
    }

    [Theory]
    [InlineData("Policy:BlockedHosts:0", "localhost")]
    [InlineData("Policy:AllowedHosts:0", "127.0.0.1")]
    public async Task RemoteMetadata_RedirectToAHostTheBaseListsExclude_HttpErrorAndThatHostNeverContacted(string key, string value)
    {
        await using var storage = await StorageAsync();
        await using var redirector = await RedirectorAsync(storage);
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { [key] = value });

        var (status, body, _) = await MetadataAsync(gateway, TestKeys.Default, redirector.Url("files/model.safetensors"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("HTTP_ERROR", body.GetProperty("code").GetString());
        Assert.Empty(storage.Requests);
    }

    [Fact]
    public async Task RemoteMetadata_ProfileUnblocksAHostTheBaseBlocks_StillUnsupportedAndNeverContacted()
    {
        await using var storage = await StorageAsync();
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Policy:BlockedHosts:0"] = "127.0.0.1",
            ["PolicyProfiles:open:BlockedHosts"] = "", // an explicitly empty list
            ["ApiKeys:0:Policy"] = "open",
        });

        var (status, body, _) = await MetadataAsync(gateway, TestKeys.Default, storage.Url("files/model.safetensors"));

        Assert.Equal((HttpStatusCode.BadRequest, "UNSUPPORTED_SOURCE"), (status, body.GetProperty("code").GetString()));
        Assert.Empty(storage.Requests);
    }

    [Fact]
    public async Task RemoteMetadata_PreviewOnAHostTheBaseBlocks_NeverContacted()
    {
        await using var civitai = await PreviewCivitAi.StartAsync(TestImages.Png);
        await using var gateway = civitai.Gateway(("Policy:BlockedHosts:0", "localhost"));

        var (status, body, _) = await MetadataAsync(gateway, TestKeys.Default, new Uri("https://civitai.com/api/download/models/5001"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.TryGetProperty("preview_image", out _));
        Assert.True(body.GetProperty("validation").GetProperty("is_valid").GetBoolean()); // the preview is no part of the file
        Assert.Empty(civitai.Images.Requests);
    }

    [Fact]
    public async Task RemoteMetadata_PreviewOnAHostTheProfileBlocks_NotShownToItsCallers()
    {
        await using var civitai = await PreviewCivitAi.StartAsync(TestImages.Png);
        await using var gateway = civitai.Gateway(("PolicyProfiles:strict:BlockedHosts:0", "localhost"));

        var (_, viaDefault, _) = await MetadataAsync(gateway, TestKeys.Default, new Uri("https://civitai.com/api/download/models/5001"));
        var (_, viaStrict, cache) = await MetadataAsync(gateway, TestKeys.Strict, new Uri("https://civitai.com/api/download/models/5001"));

        Assert.Equal(TestImages.DataUrl(TestImages.Png, "png"), viaDefault.GetProperty("preview_image").GetString());
        Assert.Equal("HIT", cache);
        Assert.False(viaStrict.TryGetProperty("preview_image", out _));
        Assert.True(viaStrict.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Single(civitai.Images.Requests);
    }

    [Fact]
    public async Task Download_RedirectThroughAHostTheProfileBlocks_403ForThatProfileAndTheFileNeverFetchedForIt()
    {
        await using var storage = await StorageAsync();
        await using var redirector = await RedirectorAsync(storage);
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PolicyProfiles:strict:BlockedHosts:0"] = "localhost" });
        var url = redirector.Url("files/model.safetensors");

        var (allowedStatus, allowedBytes) = await DownloadAsync(gateway, TestKeys.Default, url);
        var fetchesBefore = storage.Requests.Count;
        var (refusedStatus, refusedBody) = await DownloadAsync(gateway, TestKeys.Strict, url);

        Assert.Equal(HttpStatusCode.OK, allowedStatus);
        Assert.Equal(ModelFiles.SafeTensors(), allowedBytes);
        Assert.Equal(HttpStatusCode.Forbidden, refusedStatus);
        using var error = JsonDocument.Parse(refusedBody);
        Assert.Equal("UNSUPPORTED_SOURCE", error.RootElement.GetProperty("code").GetString());
        Assert.Equal(fetchesBefore, storage.Requests.Count);
    }

    [Fact]
    public async Task Download_RedirectMovesToAHostTheProfileBlocksAfterTheProbe_RefusedAndThatHostNeverContacted()
    {
        await using var storage = await StorageAsync();
        var target = $"http://127.0.0.1:{storage.BaseUri.Port}/files/model.safetensors";
        await using var redirector = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () => Results.Redirect(target)));
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["PolicyProfiles:strict:BlockedHosts:0"] = "localhost" });
        var url = redirector.Url("files/model.safetensors");
        var (_, inspected, _) = await MetadataAsync(gateway, TestKeys.Strict, url);
        Assert.True(inspected.GetProperty("validation").GetProperty("is_valid").GetBoolean());

        target = $"http://localhost:{storage.BaseUri.Port}/files/model.safetensors"; // the facts never saw this host
        var fetchesBefore = storage.Requests.Count;
        var (status, body) = await DownloadAsync(gateway, TestKeys.Strict, url);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        using var error = JsonDocument.Parse(body);
        Assert.Equal("HTTP_ERROR", error.RootElement.GetProperty("code").GetString());
        Assert.Equal(fetchesBefore, storage.Requests.Count);
    }

    private static async Task<(HttpStatusCode Status, byte[] Body)> DownloadAsync(GatewayFactory gateway, string apiKey, Uri url)
    {
        using var client = gateway.CreateClient(apiKey);
        using var response = await client.GetAsync("/api/assets/download?url=" + Uri.EscapeDataString(url.AbsoluteUri));
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }

    // The file, on 127.0.0.1.
    private static Task<FakeHost> StorageAsync() => FakeHost.StartAsync((app, _) =>
        app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () =>
            Results.Bytes(ModelFiles.SafeTensors(), "application/octet-stream", enableRangeProcessing: true)));

    // On 127.0.0.1: /files/… redirects to the storage host under the name "localhost"; /direct/… serves the file itself.
    private static Task<FakeHost> RedirectorAsync(FakeHost storage) => FakeHost.StartAsync((app, _) =>
    {
        app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () =>
            Results.Redirect($"http://localhost:{storage.BaseUri.Port}/files/model.safetensors?X-Amz-Signature=abc"));
        app.MapMethods("/direct/model.safetensors", ["GET", "HEAD"], () =>
            Results.Bytes(ModelFiles.SafeTensors(), "application/octet-stream", enableRangeProcessing: true));
    });

    private static async Task<(HttpStatusCode Status, JsonElement Body, string? CacheStatus)> MetadataAsync(GatewayFactory gateway, string apiKey, Uri url)
    {
        using var client = gateway.CreateClient(apiKey);
        using var response = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(url.AbsoluteUri));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var cache = response.Headers.TryGetValues("X-Cache-Status", out var values) ? values.Single() : null;
        return (response.StatusCode, json.RootElement.Clone(), cache);
    }

    private static string[] Codes(JsonElement body, string list) =>
        body.GetProperty("validation").GetProperty(list).EnumerateArray().Select(e => e.GetProperty("code").GetString()!).ToArray();
}
