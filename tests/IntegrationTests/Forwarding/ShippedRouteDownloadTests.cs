using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Sources.HuggingFace;
using ModelGateway.Testing;
using static ModelGateway.IntegrationTests.Downloads.DownloadEndpointTests;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Forwarding;

/// <summary>
/// The shipped <c>/civitai</c> and <c>/huggingface</c> routes (<c>"EnforcePolicy": "true"</c>), their clusters pointed
/// at the fakes: file downloads take the download path (policy first, the redirect to storage followed by the gateway),
/// everything else is forwarded; the caller's key never leaves, the source's token goes to its own host, Xet stays off.
/// </summary>
public sealed class ShippedRouteDownloadTests(DownloadHosts hosts) : IClassFixture<DownloadHosts>
{
    [Fact]
    public async Task CivitAiRoute_Download_ByteIdenticalToTheEndpointsAndNoRedirect()
    {
        var file = SafeTensors(300_000, seed: 31);
        hosts.CivitAi.AddDownload(7301, "route-7301.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var routed = await client.GetAsync("/civitai/api/download/models/7301");
        using var direct = await client.GetAsync(DownloadPath(CivitAiUrl(7301)));

        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
        Assert.Null(routed.Headers.Location);
        Assert.Equal(Sha256(file), Sha256(await routed.Content.ReadAsByteArrayAsync()));
        Assert.Equal(Sha256(file), Sha256(await direct.Content.ReadAsByteArrayAsync()));
        Assert.Equal("route-7301.safetensors", routed.Content.Headers.ContentDisposition?.FileName);
        // One probe served both: the route's URL and the pasted one are the same file.
        Assert.Single(hosts.CivitAi.Api.RequestsTo("/api/v1/model-versions/7301"));
    }

    [Fact]
    public async Task CivitAiRoute_DownloadWithSelectors_TheSelectedFile()
    {
        var file = SafeTensors(120_000, seed: 32);
        hosts.CivitAi.AddDownload(7302, "route-7302.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync("/civitai/api/download/models/7302?type=Model&format=SafeTensor");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Sha256(file), Sha256(await response.Content.ReadAsByteArrayAsync()));
        Assert.Contains(hosts.CivitAi.Api.RequestsTo("/api/download/models/7302"),
            r => r.PathAndQuery == "/api/download/models/7302?type=Model&format=SafeTensor" && r.Header("Range") is null);
    }

    [Fact]
    public async Task HuggingFaceRoute_Download_ByteIdenticalWithFileHeadersAndNoXet()
    {
        var file = SafeTensors(250_000, seed: 33);
        const string path = "/owner/repo/resolve/main/loras/route-33.safetensors";
        var sha256 = hosts.HuggingFace.ServeFile(path, file);
        using var client = hosts.Gateway.Client(HfFormKey, asBearer: true);

        using var routed = await client.GetAsync("/huggingface" + path);
        using var direct = await client.GetAsync(DownloadPath("https://huggingface.co" + path));

        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
        Assert.Null(routed.Headers.Location);
        Assert.Equal(sha256, Sha256(await routed.Content.ReadAsByteArrayAsync()));
        Assert.Equal(sha256, Sha256(await direct.Content.ReadAsByteArrayAsync()));
        Assert.Equal(FakeHuggingFace.Commit, Header(routed, "X-Repo-Commit"));
        Assert.Equal($"\"{sha256}\"", Header(routed, "X-Linked-Etag"));
        Assert.DoesNotContain(routed.Headers, h => h.Key.StartsWith("X-Xet-", StringComparison.OrdinalIgnoreCase));
        AssertOnlyOrgTokenReachedTheHub(path);
    }

    [Fact]
    public async Task HuggingFaceRoute_Head_200WithTheHubsFileHeadersNoRedirectNoCdn()
    {
        var file = SafeTensors(200_000, seed: 34);
        const string path = "/owner/repo/resolve/main/loras/head-34.safetensors";
        var sha256 = hosts.HuggingFace.ServeFile(path, file);
        using var client = hosts.Gateway.Client(HfFormKey, asBearer: true);

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/huggingface" + path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal(FakeHuggingFace.Commit, Header(response, "X-Repo-Commit"));
        Assert.Equal($"\"{sha256}\"", Header(response, "X-Linked-Etag"));
        Assert.Equal(file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(response, "X-Linked-Size"));
        Assert.Equal(file.Length, response.Content.Headers.ContentLength);
        Assert.NotNull(response.Headers.ETag);
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("X-Xet-", StringComparison.OrdinalIgnoreCase));
        // The content check read the head; the HEAD itself never went to the CDN.
        Assert.All(hosts.HuggingFace.Cdn.RequestsTo("/xet-bridge-us/files/" + sha256), r => Assert.Equal("bytes=0-102399", r.Header("Range")));
        AssertOnlyOrgTokenReachedTheHub(path);
    }

    [Fact]
    public async Task HuggingFaceRoute_ForbiddenPickle_403AndTheCdnNeverAskedForTheFile()
    {
        var pickle = ModelFiles.TorchZip(storageBytes: 30_000);
        const string path = "/owner/repo/resolve/main/checkpoints/old-35.ckpt";
        var sha256 = hosts.HuggingFace.ServeFile(path, pickle);
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync("/huggingface" + path);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(("FORMAT_NOT_ALLOWED", "File format \"PickleTensor\" is not allowed. Allowed formats: [SafeTensor]"), await ErrorAsync(response));
        Assert.All(hosts.HuggingFace.Cdn.RequestsTo("/xet-bridge-us/files/" + sha256), r => Assert.Equal("bytes=0-102399", r.Header("Range")));
        Assert.DoesNotContain(hosts.HuggingFace.Hub.RequestsTo(path), r => r.Method == "GET" && r.Header("Range") is null);
    }

    [Fact]
    public async Task HuggingFaceRoute_Range_206()
    {
        var file = SafeTensors(250_000, seed: 36);
        const string path = "/owner/repo/resolve/main/loras/range-36.safetensors";
        hosts.HuggingFace.ServeFile(path, file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/huggingface" + path);
        request.Headers.Range = new RangeHeaderValue(0, 0);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 0-0/{file.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(file[..1], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task HuggingFaceRoute_ApiAndPages_ForwardedWithTheOrgTokenAndWithoutXet()
    {
        string? acceptSeen = null;
        string? authorizationSeen = null;
        hosts.HuggingFace.Route("/api/models/owner/xet-repo", async context =>
        {
            acceptSeen = context.Request.Headers.Accept.ToString();
            authorizationSeen = context.Request.Headers.Authorization.ToString();
            context.Response.Headers["X-Xet-Hash"] = new string('e', 64);
            context.Response.Headers["X-Xet-Access-Token"] = "xet-token";
            context.Response.Headers["X-Repo-Commit"] = FakeHuggingFace.Commit;
            context.Response.Headers.Link = "<https://huggingface.co/api/models?cursor=a,b>; rel=\"next\", "
                + "<https://huggingface.co/api/models/owner/xet-repo/xet-read-token/main>; rel=\"xet-auth\"";
            await context.Response.WriteAsJsonAsync(new { id = "owner/xet-repo" });
        });
        using var client = hosts.Gateway.Client(HfFormKey, asBearer: true);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/huggingface/api/models/owner/xet-repo");
        request.Headers.TryAddWithoutValidation("Accept", "application/vnd.xet-fileinfo+json, application/json;q=0.9, */*");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"id\":\"owner/xet-repo\"}", await response.Content.ReadAsStringAsync());
        Assert.Equal("application/json;q=0.9, */*", acceptSeen);
        Assert.Equal("Bearer " + HuggingFaceToken, authorizationSeen);
        Assert.False(response.Headers.Contains("X-Xet-Hash"));
        Assert.False(response.Headers.Contains("X-Xet-Access-Token"));
        Assert.Equal(FakeHuggingFace.Commit, Header(response, "X-Repo-Commit"));
        // The next page is asked of the gateway, never of the Hub.
        Assert.Equal($"<{hosts.Gateway.Address.AbsoluteUri}huggingface/api/models?cursor=a,b>; rel=\"next\"", Header(response, "Link"));
    }

    [Fact]
    public async Task HuggingFaceRoute_BlobPage_RefusedNeverForwarded()
    {
        hosts.HuggingFace.Route("/owner/repo/blob/main/loras/page.safetensors", context => context.Response.WriteAsync("<html>file page</html>"));
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync("/huggingface/owner/repo/blob/main/loras/page.safetensors");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("FILE_PATH_NOT_SERVED", (await ErrorAsync(response)).Code);
        Assert.Empty(hosts.HuggingFace.Hub.RequestsTo("/owner/repo/blob/"));
    }

    [Fact]
    public async Task CivitAiRoute_Api_ForwardedWithTheOrgTokenNeverTheKey()
    {
        hosts.CivitAi.AddDownload(7309, "api-7309.safetensors", SafeTensors(1000, seed: 39));
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/civitai/api/v1/model-versions/7309");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "users-own-civitai-token");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"id\":7309", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var forwarded = hosts.CivitAi.Api.RequestsTo("/api/v1/model-versions/7309").Last();
        Assert.Equal("Bearer " + CivitAiToken, forwarded.Header("Authorization"));
        Assert.Null(forwarded.Header("X-API-Key"));
    }

    [Fact]
    public async Task EnforcementOff_DownloadForwardedAsBefore_RedirectReachesTheClient()
    {
        var file = SafeTensors(20_000, seed: 40);
        hosts.CivitAi.AddDownload(7310, "plain-7310.ckpt", file, format: "PickleTensor");
        var settings = hosts.Settings();
        settings["ReverseProxy:Routes:civitai:Metadata:EnforcePolicy"] = "false";
        await using var gateway = LoopbackGateway.Start(settings);
        using var client = gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync("/civitai/api/download/models/7310");

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.StartsWith(hosts.CivitAi.Storage.BaseUri.AbsoluteUri + "objects/7310?", response.Headers.Location?.AbsoluteUri, StringComparison.Ordinal);
    }

    private void AssertOnlyOrgTokenReachedTheHub(string path)
    {
        Assert.All(hosts.HuggingFace.Hub.RequestsTo(path), r => Assert.Equal("Bearer " + HuggingFaceToken, r.Header("Authorization")));
        Assert.DoesNotContain(hosts.HuggingFace.Hub.Requests.Concat(hosts.HuggingFace.Cdn.Requests),
            r => r.Headers.Values.Any(v => v.Contains(HfFormKey, StringComparison.Ordinal)));
    }
}
