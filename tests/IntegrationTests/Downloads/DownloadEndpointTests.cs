using System.Net;
using System.Net.Http.Headers;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Downloads;

/// <summary>
/// <c>GET|HEAD /api/assets/download?url=</c> against CivitAI (API → 307 → storage) and Hugging Face (Hub → 302 → CDN):
/// the bytes are the host's, byte for byte; no redirect reaches the client; the policy decides before the file host is
/// asked; Range, conditional requests and HEAD answer as a file server does.
/// </summary>
public sealed class DownloadEndpointTests(DownloadHosts hosts) : IClassFixture<DownloadHosts>
{
    [Fact]
    public async Task CivitAi_AllowedVersion_StreamedByteIdenticalWithoutRedirect()
    {
        var file = SafeTensors(300_000, seed: 1);
        hosts.CivitAi.AddDownload(7101, "style-7101.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7101)));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Sha256(file), Sha256(body));
        Assert.Equal(file.Length, response.Content.Headers.ContentLength);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("style-7101.safetensors", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal("bytes", Assert.Single(response.Headers.AcceptRanges));
        Assert.Equal("\"" + Sha256(file) + "\"", response.Headers.ETag?.ToString()); // the file's SHA-256, as when the library serves it
        Assert.Null(response.Headers.Location);
        // The org's token went to CivitAI only; the storage host got the presigned URL, no credentials, and the key never left.
        var apiRequests = hosts.CivitAi.Api.RequestsTo("/api/download/models/7101").ToList();
        Assert.All(apiRequests, r => Assert.Equal("Bearer " + CivitAiToken, r.Header("Authorization")));
        var storage = hosts.CivitAi.Storage.RequestsTo("/objects/7101").ToList();
        Assert.Equal(["bytes=0-102399", null], storage.Select(r => r.Header("Range"))); // the content check, then the download
        Assert.All(storage, r => Assert.Null(r.Header("Authorization")));
        Assert.All(storage, r => Assert.Contains("X-Amz-Signature=", r.PathAndQuery, StringComparison.Ordinal));
        AssertKeyNeverLeft(TestKeys.Default);
    }

    [Fact]
    public async Task HuggingFace_LfsFile_StreamedFromCdnWithTheHubsFileHeaders()
    {
        var file = SafeTensors(250_000, seed: 2);
        var sha256 = hosts.HuggingFace.ServeFile("/owner/repo/resolve/main/loras/endpoint-2.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync(DownloadPath("https://huggingface.co/owner/repo/resolve/main/loras/endpoint-2.safetensors"));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(sha256, Sha256(body));
        Assert.Equal(file.Length, response.Content.Headers.ContentLength);
        Assert.Equal("endpoint-2.safetensors", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(FakeHubCommit, Header(response, "X-Repo-Commit"));
        Assert.Equal($"\"{sha256}\"", Header(response, "X-Linked-Etag"));
        Assert.Equal(file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(response, "X-Linked-Size"));
        Assert.Equal("W/\"5f0f7d3c1d9b5b5b0a6a8e0e2f0b1c2d3e4f5a6b\"", response.Headers.ETag?.ToString()); // the Hub's, as HF clients expect
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("X-Xet-", StringComparison.OrdinalIgnoreCase));
        Assert.False(response.Headers.Contains("Link"));
        var cdn = hosts.HuggingFace.Cdn.RequestsTo("/xet-bridge-us/files/" + sha256).ToList();
        Assert.All(cdn, r => Assert.Null(r.Header("Authorization")));
        Assert.All(hosts.HuggingFace.Hub.RequestsTo("/owner/repo/resolve/main/loras/endpoint-2.safetensors"),
            r => Assert.Equal("Bearer " + HuggingFaceToken, r.Header("Authorization")));
    }

    [Fact]
    public async Task CivitAi_ModelPageUrl_TheVersionsSelectedFile()
    {
        var file = SafeTensors(120_000, seed: 14);
        hosts.CivitAi.AddDownload(7114, "page-7114.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync(DownloadPath("https://civitai.com/models/711/some-slug?modelVersionId=7114"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Sha256(file), Sha256(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal("page-7114.safetensors", response.Content.Headers.ContentDisposition?.FileName);
    }

    [Fact]
    public async Task HuggingFace_DatasetFile_Streamed()
    {
        var file = SafeTensors(60_000, seed: 15);
        var sha256 = hosts.HuggingFace.ServeFile("/datasets/owner/data/resolve/main/loras/set-15.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync("/huggingface/datasets/owner/data/resolve/main/loras/set-15.safetensors");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(sha256, Sha256(await response.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task ForbiddenFormat_403WithFirstVerdictCode_FileNeverRequested()
    {
        var pickle = ModelFiles.TorchZip(storageBytes: 20_000);
        hosts.CivitAi.AddDownload(7103, "old-7103.ckpt", pickle, format: "PickleTensor");
        using var client = hosts.Gateway.Client(TestKeys.Default);
        // The metadata answer (which reads the file's head) is what the download's verdict is made from.
        using var metadata = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(CivitAiUrl(7103)));
        var storageBefore = hosts.CivitAi.Storage.RequestsTo("/objects/7103").Count();

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7103)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Equal("FORMAT_NOT_ALLOWED", error.Code);
        Assert.Equal("File format \"PickleTensor\" is not allowed. Allowed formats: [SafeTensor]", error.Message);
        Assert.Equal(storageBefore, hosts.CivitAi.Storage.RequestsTo("/objects/7103").Count());
        Assert.Equal(1, storageBefore); // the content check's head read only: the file was never asked for
        Assert.DoesNotContain(hosts.CivitAi.Api.RequestsTo("/api/download/models/7103"), r => r.Header("Range") is null);
    }

    [Fact]
    public async Task ForbiddenFormat_ContentCheckOff_StorageNeverContacted()
    {
        var pickle = ModelFiles.TorchZip(storageBytes: 20_000);
        hosts.CivitAi.AddDownload(7104, "old-7104.ckpt", pickle, format: "PickleTensor");
        var settings = hosts.Settings();
        settings["Policy:VerifyContent"] = "false";
        await using var gateway = LoopbackGateway.Start(settings);
        using var client = gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7104)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("FORMAT_NOT_ALLOWED", (await ErrorAsync(response)).Code);
        Assert.Empty(hosts.CivitAi.Storage.RequestsTo("/objects/7104"));
        Assert.Empty(hosts.CivitAi.Api.RequestsTo("/api/download/models/7104"));
    }

    [Fact]
    public async Task Range_InsideTheHead_206WithTheRightBytes()
    {
        var file = SafeTensors(300_000, seed: 5);
        hosts.CivitAi.AddDownload(7105, "range-7105.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, DownloadPath(CivitAiUrl(7105)));
        request.Headers.Range = new RangeHeaderValue(1000, 1999);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 1000-1999/{file.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(1000, response.Content.Headers.ContentLength);
        Assert.Equal(file[1000..2000], await response.Content.ReadAsByteArrayAsync());
        // Widened to the head, which is checked before any byte of it is sent.
        Assert.Equal("bytes=0-102399", hosts.CivitAi.Storage.RequestsTo("/objects/7105").Last().Header("Range"));
    }

    [Fact]
    public async Task Range_PastTheHead_AskedAsItIs()
    {
        var file = SafeTensors(300_000, seed: 6);
        hosts.CivitAi.AddDownload(7106, "range-7106.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, DownloadPath(CivitAiUrl(7106)));
        request.Headers.Range = new RangeHeaderValue(200_000, null);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 200000-{file.Length - 1}/{file.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(file[200_000..], await response.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes=200000-{file.Length - 1}", hosts.CivitAi.Storage.RequestsTo("/objects/7106").Last().Header("Range"));
    }

    [Fact]
    public async Task Range_Suffix_LastBytes()
    {
        var file = SafeTensors(300_000, seed: 7);
        hosts.CivitAi.AddDownload(7107, "range-7107.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, DownloadPath(CivitAiUrl(7107)));
        request.Headers.Range = new RangeHeaderValue(null, 10);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {file.Length - 10}-{file.Length - 1}/{file.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(file[^10..], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Range_PastTheEnd_416()
    {
        var file = SafeTensors(300_000, seed: 8);
        hosts.CivitAi.AddDownload(7108, "range-7108.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, DownloadPath(CivitAiUrl(7108)));
        request.Headers.Range = new RangeHeaderValue(file.Length, null);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal($"bytes */{file.Length}", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task IfNoneMatch_HostsCurrentETag_304()
    {
        var file = SafeTensors(150_000, seed: 9);
        hosts.CivitAi.AddDownload(7109, "etag-7109.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var first = await client.GetAsync(DownloadPath(CivitAiUrl(7109)));
        using var request = new HttpRequestMessage(HttpMethod.Get, DownloadPath(CivitAiUrl(7109)));
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.ETag, response.Headers.ETag);
    }

    [Fact]
    public async Task IfRange_StaleETag_WholeFile()
    {
        var file = SafeTensors(150_000, seed: 10);
        hosts.CivitAi.AddDownload(7110, "ifrange-7110.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, DownloadPath(CivitAiUrl(7110)));
        request.Headers.Range = new RangeHeaderValue(0, 9);
        request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"stale\""));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Sha256(file), Sha256(await response.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task Head_FileHeadersWithoutTheFile()
    {
        var file = SafeTensors(150_000, seed: 11);
        hosts.CivitAi.AddDownload(7111, "head-7111.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, DownloadPath(CivitAiUrl(7111))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(file.Length, response.Content.Headers.ContentLength);
        Assert.Equal("head-7111.safetensors", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal("bytes", Assert.Single(response.Headers.AcceptRanges));
        Assert.DoesNotContain(hosts.CivitAi.Storage.RequestsTo("/objects/7111"), r => r.Header("Range") is null);
    }

    [Fact]
    public async Task NonAsciiFileName_ContentDispositionHasFileNameStar()
    {
        var file = SafeTensors(20_000, seed: 12);
        hosts.CivitAi.AddDownload(7112, "スタイル-7112.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7112)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("スタイル-7112.safetensors", response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal(Sha256(file), Sha256(await response.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task BearerKey_AcceptedAndNeverSentOn()
    {
        var file = SafeTensors(20_000, seed: 13);
        hosts.CivitAi.AddDownload(7113, "bearer-7113.safetensors", file);
        using var client = hosts.Gateway.Client(HfFormKey, asBearer: true);

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7113)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Sha256(file), Sha256(await response.Content.ReadAsByteArrayAsync()));
        AssertKeyNeverLeft(HfFormKey);
    }

    [Fact]
    public async Task NoKey_401_NothingAsked()
    {
        using var client = hosts.Gateway.Client(key: null);
        var before = hosts.CivitAi.Api.Requests.Count;

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7199)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("UNAUTHORIZED", (await ErrorAsync(response)).Code);
        Assert.Equal(before, hosts.CivitAi.Api.Requests.Count);
    }

    [Theory]
    [InlineData("", HttpStatusCode.BadRequest, "INVALID_URL")]
    [InlineData("?url=ftp%3A%2F%2Fexample.com%2Fa", HttpStatusCode.BadRequest, "INVALID_URL_FORMAT")]
    [InlineData("?url=http%3A%2F%2F127.0.0.1%2Fa.safetensors&url=x", HttpStatusCode.BadRequest, "INVALID_URL_FORMAT")]
    [InlineData("?url=https%3A%2F%2Fcivitai.com%2Fapi%2Fdownload%2Fmodels%2F7198", HttpStatusCode.UnprocessableEntity, "RESOURCE_NOT_FOUND")]
    public async Task BadUrls_SameAnswersAsRemoteMetadata(string query, HttpStatusCode status, string code)
    {
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync("/api/assets/download" + query);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, (await ErrorAsync(response)).Code);
    }

    private const string FakeHubCommit = Sources.HuggingFace.FakeHuggingFace.Commit;

    private void AssertKeyNeverLeft(string key)
    {
        var everyRequest = hosts.CivitAi.Api.Requests.Concat(hosts.CivitAi.Storage.Requests)
            .Concat(hosts.HuggingFace.Hub.Requests).Concat(hosts.HuggingFace.Cdn.Requests);
        Assert.DoesNotContain(everyRequest, r => r.Headers.Values.Any(v => v.Contains(key, StringComparison.Ordinal)));
    }

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
