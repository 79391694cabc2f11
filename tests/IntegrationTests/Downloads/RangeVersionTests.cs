using System.Net;
using System.Net.Http.Headers;
using ModelGateway.IntegrationTests.Infrastructure;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Downloads;

/// <summary>
/// A range is tied to the version that was inspected: a range covering the whole file is hashed like a full download,
/// and a range of a file the host swapped since is refused (422 <c>CONTENT_CHANGED</c>), never served from the new bytes.
/// </summary>
public sealed class RangeVersionTests(DownloadHosts hosts) : IClassFixture<DownloadHosts>
{
    [Theory]
    [InlineData("/civitai/api/download/models/{id}", "bytes=0-")]
    [InlineData("/civitai/api/download/models/{id}", "bytes=0-{last}")]
    [InlineData("/api/assets/download?url=https%3A%2F%2Fcivitai.com%2Fapi%2Fdownload%2Fmodels%2F{id}", "bytes=0-")]
    public async Task RangeOfTheWholeFile_PublishedSha256Wrong_AbortedNeverACleanEnd(string path, string range)
    {
        // Row 3 of the fail-closed review: 206, the whole file, a clean end, audited "completed".
        var id = 9300 + Random.Shared.Next(0, 1000);
        var file = SafeTensors(300_000, seed: id);
        hosts.CivitAi.AddDownload(id, $"whole-{id}.safetensors", file, publishedSha256: Sha256(WithLastByteChanged(file)));
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, path.Replace("{id}", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        request.Headers.TryAddWithoutValidation("Range", range.Replace("{last}", (file.Length - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 0-{file.Length - 1}/{file.Length}", response.Content.Headers.ContentRange?.ToString());
        await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task RangeOfTheWholeFile_RightSha256_206WithEveryByte()
    {
        var file = SafeTensors(200_000, seed: 9201);
        hosts.CivitAi.AddDownload(9201, "whole-9201.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/civitai/api/download/models/9201");
        request.Headers.Range = new RangeHeaderValue(0, null);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(Sha256(file), Sha256(await response.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task RangePastTheHead_HostSwappedTheFileSinceInspection_422ContentChangedNoNewBytes()
    {
        // Row 4 of the fail-closed review: 206 with bytes of the new file.
        var file = SafeTensors(300_000, seed: 9202);
        hosts.CivitAi.AddDownload(9202, "swapped-9202.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        var (status, _) = await MetadataAsync(client, CivitAiUrl(9202)); // inspected: the storage object's ETag recorded
        Assert.Equal(HttpStatusCode.OK, status);
        var swapped = (byte[])file.Clone();
        Array.Fill(swapped, (byte)0x5A, 250_000, 1000); // same size, same head, other bytes past it
        hosts.CivitAi.ReplaceObject(9202, swapped);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/civitai/api/download/models/9202");
        request.Headers.Range = new RangeHeaderValue(250_000, 250_999);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("CONTENT_CHANGED", (await ErrorAsync(response)).Code);
        var asked = hosts.CivitAi.Storage.RequestsTo("/objects/9202").Last();
        Assert.Equal("\"" + Sha256(file)[..32] + "\"", asked.Header("If-Match")); // the inspected version's ETag
        Assert.Equal("bytes=250000-250999", asked.Header("Range"));
    }

    [Fact]
    public async Task RangePastTheHead_FileUnchanged_206WithTheInspectedBytes()
    {
        var file = SafeTensors(300_000, seed: 9203);
        hosts.CivitAi.AddDownload(9203, "kept-9203.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/civitai/api/download/models/9203");
        request.Headers.Range = new RangeHeaderValue(250_000, 250_999);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(file[250_000..251_000], await response.Content.ReadAsByteArrayAsync());
        var expectedTag = "\"" + Sha256(file)[..32] + "\"";
        Assert.Equal(expectedTag, hosts.CivitAi.Storage.RequestsTo("/objects/9203").Last().Header("If-Match"));
    }
}
