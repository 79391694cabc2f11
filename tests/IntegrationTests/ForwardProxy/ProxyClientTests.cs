using ModelGateway.IntegrationTests.Infrastructure;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.ForwardProxy;

/// <summary>
/// Real download clients, configured as their users would configure them (a proxy URL with the key as the password, the
/// organisation's CA file), fetch files from <c>https://civitai.com</c> and <c>https://huggingface.co</c> through the
/// forward-proxy listener: the gateway intercepts, enforces its policy, follows the storage redirects itself and serves
/// the verified bytes; a pickle is refused.
/// </summary>
public sealed class ProxyClientTests(ForwardProxyHosts hosts) : IClassFixture<ForwardProxyHosts>
{
    public static TheoryData<string> Clients => ["curl", "wget", "aria2c", "requests", "httpx", "aiohttp"];

    private static int _nextId = 8100;

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Client_DownloadsCivitAiAndHuggingFaceFiles_BytesRightAndAuditedUnderTheKey(string client)
    {
        var id = Interlocked.Increment(ref _nextId);
        var civitAiFile = SafeTensors(150_000, seed: id);
        hosts.CivitAi.AddDownload(id, $"proxied-{id}.safetensors", civitAiFile);
        var huggingFaceFile = SafeTensors(120_000, seed: id + 500);
        var path = $"/owner/repo/resolve/main/loras/proxied-{id}.safetensors";
        var huggingFaceSha256 = hosts.HuggingFace.ServeFile(path, huggingFaceFile);

        var (civitAiRun, civitAiBytes) = await DownloadAsync(client, $"https://civitai.com/api/download/models/{id}", TestKeys.Default);
        var (huggingFaceRun, huggingFaceBytes) = await DownloadAsync(client, "https://huggingface.co" + path, TestKeys.Default);

        Assert.True(civitAiBytes is not null, civitAiRun.ToString());
        Assert.Equal(Sha256(civitAiFile), Sha256(civitAiBytes));
        Assert.True(huggingFaceBytes is not null, huggingFaceRun.ToString());
        Assert.Equal(huggingFaceSha256, Sha256(huggingFaceBytes));
        // The audit event follows the last byte.
        await ProxyRulesTests.AssertEventuallyAsync(() => Completed("civitai", civitAiFile.Length) && Completed("huggingface", huggingFaceFile.Length));
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Client_ForbiddenPickle_RefusedBeforeAnyByteAndAudited(string client)
    {
        var id = Interlocked.Increment(ref _nextId);
        hosts.CivitAi.AddDownload(id, $"old-{id}.ckpt", PickleOfLength(60_000), format: "PickleTensor");
        var path = $"/owner/repo/resolve/main/checkpoints/old-{id}.ckpt";
        var pickleSha256 = hosts.HuggingFace.ServeFile(path, ModelGateway.Testing.ModelFiles.TorchZip(storageBytes: 30_000));
        var refusedBefore = hosts.Audit("DownloadRefused").Count;

        var (civitAiRun, civitAiBytes) = await DownloadAsync(client, $"https://civitai.com/api/download/models/{id}", TestKeys.Default);
        var (huggingFaceRun, huggingFaceBytes) = await DownloadAsync(client, "https://huggingface.co" + path, TestKeys.Default);

        Assert.True(civitAiRun.ExitCode != 0 && civitAiBytes is null, civitAiRun.ToString());
        Assert.True(huggingFaceRun.ExitCode != 0 && huggingFaceBytes is null, huggingFaceRun.ToString());
        await ProxyRulesTests.AssertEventuallyAsync(() => hosts.Audit("DownloadRefused").Count >= refusedBefore + 2);
        var refused = hosts.Audit("DownloadRefused").Skip(refusedBefore).Select(Fields).ToList();
        Assert.Equal([("civitai", "403", "FORMAT_NOT_ALLOWED"), ("huggingface", "403", "FORMAT_NOT_ALLOWED")],
            refused.Select(e => (e["Route"], e["StatusCode"], e["Code"])));
        Assert.All(refused, e => Assert.Equal("default-team", e["KeyName"]));
        // The storage hosts were asked for the head only (the content check), never for the file.
        Assert.DoesNotContain(hosts.CivitAi.Storage.RequestsTo($"/objects/{id}"), r => r.Header("Range") is null);
        Assert.DoesNotContain(hosts.HuggingFace.Cdn.RequestsTo("/xet-bridge-us/files/" + pickleSha256), r => r.Header("Range") is null);
    }

    /// <summary>Runs <paramref name="client"/> to fetch <paramref name="url"/>: the run, and the file's bytes when it reported success.</summary>
    internal async Task<(ClientRun Run, byte[]? Bytes)> DownloadAsync(string client, string url, string? key)
    {
        var output = Path.Combine(Path.GetTempPath(), $"gw-proxy-{Guid.NewGuid():N}.bin");
        try
        {
            var run = await ProxyClients.RunAsync(client, url, output, hosts.ProxyUrl(key), hosts.CaFile);
            return (run, run.ExitCode == 0 && File.Exists(output) ? await File.ReadAllBytesAsync(output) : null);
        }
        finally
        {
            File.Delete(output);
        }
    }

    private bool Completed(string route, int bytes) => hosts.Audit("DownloadCompleted").Select(Fields).Any(e =>
        e["KeyName"] == "default-team" && e["Route"] == route && e["Bytes"] == bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static Dictionary<string, string?> Fields(Microsoft.Extensions.Logging.Testing.FakeLogRecord record) =>
        ((IEnumerable<KeyValuePair<string, string?>>)record.StructuredState!).ToDictionary(p => p.Key, p => p.Value);
}
