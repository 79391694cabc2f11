using System.Net;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Sources.CivitAi;
using ModelGateway.Library;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.Library;

/// <summary>
/// The library as an operator's process sees it: a gateway killed in the middle of a fill leaves no visible blob, and
/// its leftovers are removed when it starts again; <c>verify</c> finds (and removes) a blob whose bytes went bad.
/// </summary>
public sealed class LibraryProcessTests(DownloadHosts hosts) : IClassFixture<DownloadHosts>, IDisposable
{
    private readonly string _library = Directory.CreateTempSubdirectory("gateway-library-process-").FullName;

    [Fact]
    public async Task KillDuringFill_NothingVisible_LeftoversRemovedAtStartAndNextCallerFetches()
    {
        var file = SafeTensors(3_000_000, seed: 120);
        hosts.CivitAi.AddDownload(8120, "lib-8120.safetensors", file);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstBody = 1;
        hosts.CivitAi.HandleObject(8120, async context =>
        {
            if (context.Request.Headers.Range.Count > 0 || Interlocked.Exchange(ref firstBody, 0) == 0)
            {
                await FakeCivitAi.ObjectResult(file).ExecuteAsync(context);
                return;
            }
            context.Response.ContentLength = file.Length;
            await context.Response.Body.WriteAsync(file.AsMemory(0, 1_000_000));
            await context.Response.Body.FlushAsync();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(60)); // the gateway dies meanwhile
        });
        var blobs = Path.Combine(_library, "blobs");
        var temporary = Path.Combine(_library, "tmp");

        var gateway = await GatewayProcess.StartAsync(GatewayFactory.RepositoryRoot, Environment());
        using (var client = Client(gateway))
        using (var response = await client.GetAsync(DownloadPath(CivitAiUrl(8120)), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await WaitUntilAsync(() => Partials(temporary).Any(f => new FileInfo(f).Length > 0), "a partial file being written");
            await gateway.DisposeAsync(); // killed (SIGKILL, the whole process tree) in the middle of the fill, its client still reading
        }
        release.SetResult();

        Assert.Empty(Files(blobs));
        Assert.NotEmpty(Partials(temporary));
        Assert.Null(await new DirectoryBlobStore(_library).GetLengthAsync(Sha256(file), default));

        await using var restarted = await GatewayProcess.StartAsync(GatewayFactory.RepositoryRoot, Environment());
        await WaitUntilAsync(() => !Partials(temporary).Any(), "the leftovers removed at startup");
        using var next = Client(restarted);
        using var download = await next.GetAsync(DownloadPath(CivitAiUrl(8120)));

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("MISS", download.Headers.GetValues("X-Cache-Status").Single());
        Assert.Equal(file, await download.Content.ReadAsByteArrayAsync());
        await WaitUntilAsync(() => File.Exists(new DirectoryBlobStore(_library).PathOf(Sha256(file))), "the blob published");
        Assert.Equal(file.Length, await new DirectoryBlobStore(_library).GetLengthAsync(Sha256(file), default));
    }

    [Fact]
    public async Task Verify_CorruptBlob_ReportedExit1_RemovedWithRemove_ThenExit0()
    {
        var store = new DirectoryBlobStore(_library);
        var good = BlobStoreContract.Bytes(70_000, seed: 121);
        var bad = BlobStoreContract.Bytes(50_000, seed: 122);
        await PutAsync(store, good);
        await PutAsync(store, bad);
        var badPath = store.PathOf(Sha256(bad));
        var flipped = await File.ReadAllBytesAsync(badPath);
        flipped[1234] ^= 0x01; // a bit gone bad on disk
        await File.WriteAllBytesAsync(badPath, flipped);
        string[] args = ["verify", "--Library:Path=" + _library];

        var (reported, reportOutput, _) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, args, TestingEnvironment);
        var (removed, removeOutput, _) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, [.. args, "--remove"], TestingEnvironment);
        var (clean, cleanOutput, _) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, args, TestingEnvironment);

        Assert.Equal(1, reported);
        Assert.Equal(
            $"CORRUPT {Sha256(bad)}: 50000 bytes hash to {Sha256(flipped)}{System.Environment.NewLine}" +
            $"Verified 2 blob(s), 120000 bytes, in the directory store: 1 corrupt.{System.Environment.NewLine}", reportOutput);
        Assert.Equal(1, removed);
        Assert.Contains($"CORRUPT {Sha256(bad)}: 50000 bytes hash to {Sha256(flipped)}; removed", removeOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(badPath));
        Assert.Equal(0, clean);
        Assert.Equal($"Verified 1 blob(s), 70000 bytes, in the directory store: 0 corrupt.{System.Environment.NewLine}", cleanOutput);
    }

    public void Dispose() => Directory.Delete(_library, recursive: true);

    private static readonly Dictionary<string, string> TestingEnvironment = new() { ["ASPNETCORE_ENVIRONMENT"] = "Testing" };

    private Dictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>(TestingEnvironment);
        foreach (var (key, value) in GatewayFactory.DefaultSettings().Concat(hosts.Settings()))
        {
            if (value is not null)
            {
                environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
        }
        environment["Library__Path"] = _library;
        environment["Downloads__IdleTimeoutSeconds"] = "60";
        return environment;
    }

    private static HttpClient Client(GatewayProcess gateway)
    {
        var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", TestKeys.Default);
        return client;
    }

    private static async Task PutAsync(DirectoryBlobStore store, byte[] bytes)
    {
        await using var write = await store.BeginWriteAsync(Sha256(bytes), bytes.Length, default);
        await write.WriteAsync(bytes, default);
        Assert.True((await write.CompleteAsync(default)).Stored);
    }

    private static IEnumerable<string> Files(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories) : [];

    private static IEnumerable<string> Partials(string folder) => Files(folder).Where(f => f.EndsWith(".partial", StringComparison.Ordinal));

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(15), $"Waited 15 s for {what}.");
            await Task.Delay(50);
        }
    }
}
