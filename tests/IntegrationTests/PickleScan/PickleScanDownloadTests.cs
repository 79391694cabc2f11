using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.PickleScan;
using ModelGateway.Testing;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.PickleScan;

/// <summary>
/// Downloads of pickles with the scan on: a refused file is a 403 with <c>UNSAFE_PICKLE_SCAN</c> before the file host
/// is asked for it, through <c>/api/assets/download</c> and the enforced <c>/civitai</c> and <c>/huggingface</c> routes;
/// a safe file streams byte for byte; a file altered after its scan never arrives whole.
/// </summary>
public sealed class PickleScanDownloadTests(PickleScanHosts fixture) : IClassFixture<PickleScanHosts>
{
    public static TheoryData<string> BypassIds => [.. PickleBypasses.All.Select(f => f.Id)];

    [Theory]
    [MemberData(nameof(BypassIds))]
    public async Task BypassFixture_403OnTheEndpointAndBothRoutes_HostBytesNeverSent(string id)
    {
        var bypass = PickleBypasses.Get(id);
        var path = $"/owner/dl-pickles/resolve/main/loras/{id}-{bypass.FileName}";
        var sha256 = fixture.Hosts.HuggingFace.ServeFile(path, bypass.Bytes);
        var version = 9100 + PickleBypasses.All.ToList().FindIndex(f => f.Id == id);
        fixture.Hosts.CivitAi.AddDownload(version, $"{id}-{bypass.FileName}", bypass.Bytes, format: "PickleTensor");
        using var client = fixture.Gateway.Client(TestKeys.Default);

        foreach (var url in new[]
        {
            DownloadPath("https://huggingface.co" + path), "/huggingface" + path,
            DownloadPath(CivitAiUrl(version)), $"/civitai/api/download/models/{version}",
        })
        {
            using var response = await client.GetAsync(url);

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var (code, message) = await ErrorAsync(response);
            Assert.Equal("UNSAFE_PICKLE_SCAN", code);
            Assert.Contains(bypass.Rule, message, StringComparison.Ordinal);
        }
        // The lookups' Range reads only: the file itself was never asked for, so none of its bytes could be sent.
        Assert.All(fixture.Hosts.HuggingFace.Cdn.Requests.Where(r => r.PathAndQuery.Contains(sha256, StringComparison.Ordinal)),
            r => Assert.NotNull(r.Header("Range")));
        Assert.All(fixture.Hosts.CivitAi.Storage.RequestsTo($"/objects/{version}"), r => Assert.NotNull(r.Header("Range")));
    }

    [Theory]
    [InlineData("zip", "model.ckpt")]
    [InlineData("legacy", "model.pt")]
    [InlineData("raw", "state.pkl")]
    public async Task BenignPickle_StreamsByteForByteOnTheEndpointAndBothRoutes(string kind, string fileName)
    {
        var bytes = kind switch
        {
            "zip" => TorchFiles.Zip([new TorchTensor("model.weight", "FloatStorage", [256, 300])]),
            "legacy" => PickleBypasses.BenignLegacy(),
            _ => PickleBypasses.BenignRaw(),
        };
        var path = $"/owner/dl-pickles/resolve/main/loras/benign-{kind}-{fileName}";
        fixture.Hosts.HuggingFace.ServeFile(path, bytes);
        var version = kind switch { "zip" => 9201, "legacy" => 9202, _ => 9203 };
        fixture.Hosts.CivitAi.AddDownload(version, $"benign-{kind}-{fileName}", bytes, format: "PickleTensor");
        using var client = fixture.Gateway.Client(TestKeys.Default);

        foreach (var url in new[]
        {
            DownloadPath("https://huggingface.co" + path), "/huggingface" + path,
            DownloadPath(CivitAiUrl(version)), $"/civitai/api/download/models/{version}",
        })
        {
            using var response = await client.GetAsync(url);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Sha256(bytes), Sha256(await response.Content.ReadAsByteArrayAsync()));
        }
    }

    [Fact]
    public async Task DataPklChangedAfterTheScan_403BeforeAnyByte()
    {
        // A file of its own (not the benign test's): one the library already holds is served from it, not from the host.
        var bytes = TorchFiles.Zip([new TorchTensor("model.weight", "FloatStorage", [256, 299])]);
        var path = "/owner/dl-pickles/resolve/main/loras/changed-pkl.ckpt";
        var sha256 = fixture.Hosts.HuggingFace.ServeFile(path, bytes);
        using var client = fixture.Gateway.Client(TestKeys.Default);
        await MetadataAsync(client, "https://huggingface.co" + path);
        // Same size, same format; one byte of data.pkl's tensor name differs.
        var altered = (byte[])bytes.Clone();
        var at = altered.AsSpan().IndexOf("model.weight"u8);
        altered[at] = (byte)'n';
        fixture.Hosts.HuggingFace.ReplaceCdnObject(sha256, altered);

        using var response = await client.GetAsync(DownloadPath("https://huggingface.co" + path));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var (code, message) = await ErrorAsync(response);
        Assert.Equal("UNSAFE_PICKLE_SCAN", code);
        Assert.Equal("The file host now serves other pickle bytes than the ones the gateway scanned.", message);
    }

    [Fact]
    public async Task ResumeInsideDataPkl_HostAskedFromTheStartAndThePrefixChecked()
    {
        var tensors = Enumerable.Range(0, 3000).Select(i => new TorchTensor($"model.layers.{i}.weight", "HalfStorage", [8, 8])).ToArray();
        var bytes = TorchFiles.Zip(tensors);
        var prefix = 64 + TorchFiles.StateDictPickle(tensors).Length;
        Assert.True(prefix > 150_000);
        var path = "/owner/dl-pickles/resolve/main/loras/resume.ckpt";
        var sha256 = fixture.Hosts.HuggingFace.ServeFile(path, bytes);
        using var client = fixture.Gateway.Client(TestKeys.Default);
        await MetadataAsync(client, "https://huggingface.co" + path);
        var before = fixture.Hosts.HuggingFace.Cdn.Requests.Count;

        using var request = new HttpRequestMessage(HttpMethod.Get, DownloadPath("https://huggingface.co" + path));
        request.Headers.Range = new RangeHeaderValue(120_000, null);
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(Sha256(bytes[120_000..]), Sha256(await response.Content.ReadAsByteArrayAsync()));
        var asked = fixture.Hosts.HuggingFace.Cdn.Requests.Skip(before).Single(r => r.PathAndQuery.Contains(sha256, StringComparison.Ordinal));
        Assert.Equal($"bytes=0-{bytes.Length - 1}", asked.Header("Range"));
    }

    [Fact]
    public async Task RangeInsideTheZipDirectory_403()
    {
        var bytes = PickleBypasses.BenignZip();
        var path = "/owner/dl-pickles/resolve/main/loras/range-cd.ckpt";
        fixture.Hosts.HuggingFace.ServeFile(path, bytes);
        using var client = fixture.Gateway.Client(TestKeys.Default);
        var report = PickleFileScanner.ScanBytes(bytes);

        using var request = new HttpRequestMessage(HttpMethod.Get, DownloadPath("https://huggingface.co" + path));
        request.Headers.Range = new RangeHeaderValue(report.CentralDirectoryOffset + 10, null);
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("UNSAFE_PICKLE_SCAN", (await ErrorAsync(response)).Code);
    }

    [Fact]
    public async Task ZipDirectoryChangedAfterTheScan_ArrivesTruncatedBeforeTheDirectory()
    {
        // A plain URL: no published SHA-256, so only the held-back tail stands between the client and the altered file.
        var bytes = TorchFiles.Zip([new TorchTensor("model.weight", "FloatStorage", [512, 512])]);
        var served = bytes;
        await using var host = await FakeHost.StartAsync((app, _) => app.MapMethods("/files/tail.ckpt", ["GET", "HEAD"],
            () => Results.Bytes(served, "application/octet-stream", enableRangeProcessing: true)));
        using var client = fixture.Gateway.Client(TestKeys.Default);
        var url = host.Url("files/tail.ckpt").AbsoluteUri;
        var (_, metadata) = await MetadataAsync(client, url);
        Assert.True(metadata.GetProperty("validation").GetProperty("is_valid").GetBoolean(), metadata.ToString());
        var central = PickleFileScanner.ScanBytes(bytes).CentralDirectoryOffset!.Value;
        // Same size: the last central entry's external attributes change (torch's reader would not notice).
        var altered = (byte[])bytes.Clone();
        altered[central + 38] ^= 0x01;
        served = altered;

        using var response = await client.GetAsync(DownloadPath(url), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var received = new MemoryStream();
        var broken = await Record.ExceptionAsync(() => body.CopyToAsync(received));

        Assert.NotNull(broken);
        Assert.True(received.Length <= central, $"{received.Length} bytes arrived; the directory starts at {central}");
        Assert.True(received.Length > 0);
        Assert.Equal(Sha256(bytes[..(int)received.Length]), Sha256(received.ToArray()));
    }
}
