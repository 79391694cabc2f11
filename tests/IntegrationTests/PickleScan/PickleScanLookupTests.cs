using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.PickleScan;

/// <summary>
/// <c>GET /api/assets/remote-metadata</c> with pickles allowed by format and the scan on (the default): the fake hosts
/// serve the fixtures' real bytes; the scan reads them by Range and its verdict decides.
/// </summary>
public sealed class PickleScanLookupTests(PickleScanHosts fixture) : IClassFixture<PickleScanHosts>
{
    public static TheoryData<string> BypassIds => [.. PickleBypasses.All.Select(f => f.Id)];

    [Theory]
    [MemberData(nameof(BypassIds))]
    public async Task HuggingFace_BypassFixture_IsUnsafePickleScan(string id)
    {
        var bypass = PickleBypasses.Get(id);
        var path = $"/owner/pickles/resolve/main/loras/{id}-{bypass.FileName}";
        fixture.Hosts.HuggingFace.ServeFile(path, bypass.Bytes);
        using var client = fixture.Gateway.Client(TestKeys.Default);

        var (status, body) = await MetadataAsync(client, "https://huggingface.co" + path);

        Assert.Equal(HttpStatusCode.OK, status);
        var validation = body.GetProperty("validation");
        Assert.False(validation.GetProperty("is_valid").GetBoolean());
        var error = Assert.Single(validation.GetProperty("errors").EnumerateArray(), e => e.GetProperty("code").GetString() == "UNSAFE_PICKLE_SCAN");
        Assert.Equal("file", error.GetProperty("field").GetString());
        var scan = body.GetProperty("pickle_scan");
        Assert.Equal(id == "7z-wrapper" ? "unscannable" : "dangerous", scan.GetProperty("verdict").GetString());
        Assert.Contains(scan.GetProperty("findings").EnumerateArray(), f => f.GetProperty("rule").GetString() == bypass.Rule);
        Assert.Contains(bypass.Rule, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zip", "model.ckpt", "torch-zip")]
    [InlineData("legacy", "model.pt", "torch-legacy")]
    [InlineData("raw", "state.pkl", "pickle")]
    public async Task HuggingFace_BenignPickle_IsValidAndSafe(string kind, string fileName, string container)
    {
        var bytes = kind switch
        {
            "zip" => PickleBypasses.BenignZip(),
            "legacy" => PickleBypasses.BenignLegacy(),
            _ => PickleBypasses.BenignRaw(),
        };
        var path = $"/owner/pickles/resolve/main/loras/benign-{kind}-{fileName}";
        fixture.Hosts.HuggingFace.ServeFile(path, bytes);
        using var client = fixture.Gateway.Client(TestKeys.Default);

        var (status, body) = await MetadataAsync(client, "https://huggingface.co" + path);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("validation").GetProperty("is_valid").GetBoolean(), body.ToString());
        Assert.Empty(body.GetProperty("validation").GetProperty("errors").EnumerateArray());
        Assert.Equal("PickleTensor", body.GetProperty("format").GetString());
        var scan = body.GetProperty("pickle_scan");
        Assert.Equal("safe", scan.GetProperty("verdict").GetString());
        Assert.Equal(container, scan.GetProperty("container").GetString());
        Assert.Empty(scan.GetProperty("findings").EnumerateArray());
    }

    [Fact]
    public async Task HuggingFace_LargeTorchZip_ReadsHeadEndAndDirectoryByRange()
    {
        var tensors = Enumerable.Range(0, 2000).Select(i => new TorchTensor($"model.layers.{i}.weight", "HalfStorage", [32, 32])).ToArray();
        var bytes = TorchFiles.Zip(tensors);
        var path = "/owner/pickles/resolve/main/loras/large-2000.ckpt";
        var sha256 = fixture.Hosts.HuggingFace.ServeFile(path, bytes);
        using var client = fixture.Gateway.Client(TestKeys.Default);

        var (_, body) = await MetadataAsync(client, "https://huggingface.co" + path);

        Assert.True(body.GetProperty("validation").GetProperty("is_valid").GetBoolean(), body.ToString());
        var ranges = fixture.Hosts.HuggingFace.Cdn.Requests.Where(r => r.PathAndQuery.Contains(sha256, StringComparison.Ordinal))
            .Select(r => r.Header("Range")).ToList();
        var pklEnd = 64 + TorchFiles.StateDictPickle(tensors).Length;
        Assert.True(pklEnd > 102_400);
        Assert.Equal("bytes=0-102399", ranges[0]);
        Assert.Contains($"bytes={bytes.Length - ModelGateway.PickleScan.PickleFileScanner.ZipEndBytes}-{bytes.Length - 1}", ranges);
        Assert.True(ranges.Count <= 4, string.Join(" ", ranges));
        Assert.DoesNotContain(ranges, r => r is null); // never the whole file
    }

    [Fact]
    public async Task HuggingFace_SameFileUnderAnotherPath_ReportReusedBySha256()
    {
        var bytes = TorchFiles.Zip([.. Enumerable.Range(0, 1500).Select(i => new TorchTensor($"copy.layers.{i}.weight", "HalfStorage", [16, 16]))]);
        var sha256 = fixture.Hosts.HuggingFace.ServeFile("/owner/pickles/resolve/main/loras/copy-a.ckpt", bytes);
        fixture.Hosts.HuggingFace.ServeFile("/other/mirror/resolve/main/loras/copy-b.ckpt", bytes);
        using var client = fixture.Gateway.Client(TestKeys.Default);
        int Reads() => fixture.Hosts.HuggingFace.Cdn.Requests.Count(r => r.PathAndQuery.Contains(sha256, StringComparison.Ordinal));

        var (_, first) = await MetadataAsync(client, "https://huggingface.co/owner/pickles/resolve/main/loras/copy-a.ckpt");
        var afterFirst = Reads();
        var (_, second) = await MetadataAsync(client, "https://huggingface.co/other/mirror/resolve/main/loras/copy-b.ckpt");

        Assert.True(afterFirst >= 3, $"{afterFirst} reads: the head, the zip's end, data.pkl");
        Assert.Equal(afterFirst + 1, Reads()); // the second lookup's head read only
        Assert.Equal("safe", first.GetProperty("pickle_scan").GetProperty("verdict").GetString());
        Assert.Equal("safe", second.GetProperty("pickle_scan").GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task CivitAi_ItsCleanScanIsEvidenceNotTheDecision()
    {
        var bypass = PickleBypasses.Get("os-system-reduce");
        fixture.Hosts.CivitAi.AddDownload(8801, "payload-8801.ckpt", bypass.Bytes, format: "PickleTensor");
        using var client = fixture.Gateway.Client(TestKeys.Default);

        var (_, body) = await MetadataAsync(client, "https://civitai.com/api/download/models/8801");

        var error = Assert.Single(body.GetProperty("validation").GetProperty("errors").EnumerateArray());
        Assert.Equal("UNSAFE_PICKLE_SCAN", error.GetProperty("code").GetString());
        Assert.Equal("The gateway's pickle scan finds this file dangerous: global-denied os.system. (civitai's own scan: clean)",
            error.GetProperty("message").GetString());
        Assert.Equal("Success", body.GetProperty("pickle_scan").GetProperty("source_scan").GetString());
    }

    [Fact]
    public async Task CivitAi_BenignLegacyWithCleanSourceScan_IsValid()
    {
        fixture.Hosts.CivitAi.AddDownload(8802, "upscaler-8802.pth", PickleBypasses.BenignLegacy(), format: "PickleTensor");
        using var client = fixture.Gateway.Client(TestKeys.Default);

        var (_, body) = await MetadataAsync(client, "https://civitai.com/api/download/models/8802");

        Assert.True(body.GetProperty("validation").GetProperty("is_valid").GetBoolean(), body.ToString());
        Assert.Equal("safe", body.GetProperty("pickle_scan").GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task PlainUrl_Protocol0Pickle_IsUnsafePickleScan()
    {
        var bypass = PickleBypasses.Get("protocol0-text-global");
        await using var host = await FakeHost.StartAsync((app, _) => app.MapMethods("/files/old.pkl", ["GET", "HEAD"],
            () => Results.Bytes(bypass.Bytes, "application/octet-stream", enableRangeProcessing: true)));
        using var client = fixture.Gateway.Client(TestKeys.Default);

        var (_, body) = await MetadataAsync(client, host.Url("files/old.pkl").AbsoluteUri);

        var codes = body.GetProperty("validation").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()).ToList();
        Assert.Contains("UNSAFE_PICKLE_SCAN", codes);
        Assert.Contains(body.GetProperty("pickle_scan").GetProperty("findings").EnumerateArray(), f => f.GetProperty("detail").GetString() == "os.system");
    }

    [Fact]
    public async Task PlainUrl_RangeIgnored_IsUnscannable()
    {
        // Larger than the first read, served without Range: the zip's directory at the end cannot be read.
        var bytes = TorchFiles.Zip([new TorchTensor("model.weight", "FloatStorage", [256, 256])]);
        await using var host = await FakeHost.StartAsync((app, _) => app.MapGet("/files/big.ckpt",
            () => Results.Bytes(bytes, "application/octet-stream")));
        using var client = fixture.Gateway.Client(TestKeys.Default);

        var (_, body) = await MetadataAsync(client, host.Url("files/big.ckpt").AbsoluteUri);

        var error = Assert.Single(body.GetProperty("validation").GetProperty("errors").EnumerateArray());
        Assert.Equal("UNSAFE_PICKLE_SCAN", error.GetProperty("code").GetString());
        Assert.Equal("The gateway could not scan this file's pickles: unread the host did not serve the file's end, where its zip directory is.",
            error.GetProperty("message").GetString());
        Assert.Equal("unscannable", body.GetProperty("pickle_scan").GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task PicklesNotAllowed_ScanIsOffAndFormatDecides()
    {
        var path = "/owner/pickles/resolve/main/loras/strict-benign.ckpt";
        fixture.Hosts.HuggingFace.ServeFile(path, PickleBypasses.BenignZip());
        using var client = fixture.Gateway.Client(TestKeys.Strict);

        var (_, body) = await MetadataAsync(client, "https://huggingface.co" + path);

        var error = Assert.Single(body.GetProperty("validation").GetProperty("errors").EnumerateArray());
        Assert.Equal("FORMAT_NOT_ALLOWED", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task HuggingFace_NumpyExtension_SuspiciousIsDeniedByDefault()
    {
        var path = "/owner/pickles/resolve/main/loras/numpy-state.pkl";
        fixture.Hosts.HuggingFace.ServeFile(path, PickleBypasses.NumpyExtension());
        using var client = fixture.Gateway.Client(TestKeys.Default);

        var (_, body) = await MetadataAsync(client, "https://huggingface.co" + path);

        var error = Assert.Single(body.GetProperty("validation").GetProperty("errors").EnumerateArray());
        Assert.Equal("UNSAFE_PICKLE_SCAN", error.GetProperty("code").GetString());
        Assert.Equal("suspicious", body.GetProperty("pickle_scan").GetProperty("verdict").GetString());
        Assert.Contains("numpy.core.multiarray._reconstruct", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
