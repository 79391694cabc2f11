using System.Net;
using System.Net.Http.Headers;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Sources.CivitAi;
using ModelGateway.Library;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.Library;

/// <summary>
/// The library behind every download, through the real HTTP surface (a loopback gateway, fake CivitAI and Hugging Face
/// hosts serving real safetensors bytes, a real Redis), run against each kind of store: a second download asks no host
/// for the bytes; ranges, validators and the caller's policy hold on stored files; wrong bytes are never stored; one
/// upstream body for many concurrent callers on two replicas; eviction spares what is being served.
/// </summary>
public abstract class LibraryDownloadContract(DownloadHosts hosts, RedisFixture redis)
{
    private const string TinyKey = "tiny-team-key-0123456789";

    /// <summary>The library settings of a gateway; replicas given the same <paramref name="share"/> share one store.</summary>
    private protected abstract Dictionary<string, string?> StoreSettings(string share);

    [Fact]
    public async Task CivitAi_SecondDownload_FromTheStoreNoHostAskedIdenticalBytes()
    {
        var file = SafeTensors(300_000, seed: 101);
        hosts.CivitAi.AddDownload(8101, "lib-8101.safetensors", file);
        await using var gateway = Start("civitai-8101");
        using var client = gateway.Client(TestKeys.Default);

        using var first = await client.GetAsync(DownloadPath(CivitAiUrl(8101)));
        var firstBytes = await first.Content.ReadAsByteArrayAsync();
        var storageRequests = hosts.CivitAi.Storage.RequestsTo("/objects/8101").Count();
        var apiRequests = hosts.CivitAi.Api.Requests.Count;
        using var second = await client.GetAsync(DownloadPath(CivitAiUrl(8101)));
        var secondBytes = await second.Content.ReadAsByteArrayAsync();

        Assert.Equal((HttpStatusCode.OK, "MISS"), (first.StatusCode, CacheStatus(first)));
        Assert.Equal((HttpStatusCode.OK, "HIT"), (second.StatusCode, CacheStatus(second)));
        Assert.Equal(Sha256(file), Sha256(firstBytes));
        Assert.Equal(file, secondBytes);
        Assert.Equal(storageRequests, hosts.CivitAi.Storage.RequestsTo("/objects/8101").Count()); // no host asked for the bytes
        Assert.Equal(apiRequests, hosts.CivitAi.Api.Requests.Count);
        Assert.Equal("\"" + Sha256(file) + "\"", second.Headers.ETag?.ToString());
        Assert.Equal(file.Length, second.Content.Headers.ContentLength);
        Assert.Equal(first.Content.Headers.ContentDisposition, second.Content.Headers.ContentDisposition);
        Assert.Equal("lib-8101.safetensors", second.Content.Headers.ContentDisposition?.FileName);
        Assert.True(await StoredAsync(gateway, Sha256(file)));
    }

    [Fact]
    public async Task HuggingFaceRoute_SecondDownload_FromTheStoreCdnNotAsked()
    {
        var file = SafeTensors(250_000, seed: 102);
        var sha256 = hosts.HuggingFace.ServeFile("/owner/repo/resolve/main/loras/lib-102.safetensors", file);
        await using var gateway = Start("hf-102");
        using var client = gateway.Client(TestKeys.Default);

        using var first = await client.GetAsync("/huggingface/owner/repo/resolve/main/loras/lib-102.safetensors");
        var firstBytes = await first.Content.ReadAsByteArrayAsync();
        var cdnRequests = hosts.HuggingFace.Cdn.RequestsTo("/xet-bridge-us/files/" + sha256).Count();
        using var second = await client.GetAsync("/huggingface/owner/repo/resolve/main/loras/lib-102.safetensors");
        var secondBytes = await second.Content.ReadAsByteArrayAsync();

        Assert.Equal((HttpStatusCode.OK, "MISS"), (first.StatusCode, CacheStatus(first)));
        Assert.Equal((HttpStatusCode.OK, "HIT"), (second.StatusCode, CacheStatus(second)));
        Assert.Equal(sha256, Sha256(firstBytes));
        Assert.Equal(file, secondBytes);
        Assert.Equal(cdnRequests, hosts.HuggingFace.Cdn.RequestsTo("/xet-bridge-us/files/" + sha256).Count());
    }

    [Theory]
    [InlineData("bytes=1000-1999", 1000, 1999)]
    [InlineData("bytes=-500", -500, -1)] // negative: counted from the file's end
    [InlineData("bytes=200000-", 200_000, -1)]
    public async Task Range_StoredFile_206WithThatSlice(string range, int first, int last)
    {
        var file = SafeTensors(240_000, seed: 103);
        var (from, to) = (first < 0 ? file.Length + first : first, last < 0 ? file.Length + last : last);
        hosts.CivitAi.AddDownload(8103, "lib-8103.safetensors", file);
        await using var gateway = Start("range-8103-" + first);
        using var client = gateway.Client(TestKeys.Default);
        await FetchWholeAsync(client, CivitAiUrl(8103));
        var storageRequests = hosts.CivitAi.Storage.RequestsTo("/objects/8103").Count();
        using var request = new HttpRequestMessage(HttpMethod.Get, DownloadPath(CivitAiUrl(8103)));
        request.Headers.TryAddWithoutValidation("Range", range);

        using var response = await client.SendAsync(request);

        Assert.Equal((HttpStatusCode.PartialContent, "HIT"), (response.StatusCode, CacheStatus(response)));
        Assert.Equal($"bytes {from}-{to}/{file.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(file[from..(to + 1)], await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(storageRequests, hosts.CivitAi.Storage.RequestsTo("/objects/8103").Count());
    }

    [Fact]
    public async Task Validators_StoredFile_IfNoneMatch304IfRangeStaleWholeIfRangeCurrentSlice416PastTheEnd()
    {
        var file = SafeTensors(100_000, seed: 104);
        hosts.CivitAi.AddDownload(8104, "lib-8104.safetensors", file);
        await using var gateway = Start("validators-8104");
        using var client = gateway.Client(TestKeys.Default);
        await FetchWholeAsync(client, CivitAiUrl(8104));
        var etag = new EntityTagHeaderValue("\"" + Sha256(file) + "\"");

        using var notModified = await SendAsync(client, CivitAiUrl(8104), r => r.Headers.IfNoneMatch.Add(etag));
        using var stale = await SendAsync(client, CivitAiUrl(8104), r =>
        {
            r.Headers.Range = new RangeHeaderValue(0, 9);
            r.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"stale\""));
        });
        using var current = await SendAsync(client, CivitAiUrl(8104), r =>
        {
            r.Headers.Range = new RangeHeaderValue(10, 19);
            r.Headers.IfRange = new RangeConditionHeaderValue(etag);
        });
        using var past = await SendAsync(client, CivitAiUrl(8104), r => r.Headers.Range = new RangeHeaderValue(file.Length, null));

        Assert.Equal((HttpStatusCode.NotModified, "HIT"), (notModified.StatusCode, CacheStatus(notModified)));
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(file, await stale.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.PartialContent, current.StatusCode);
        Assert.Equal(file[10..20], await current.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, past.StatusCode);
        Assert.Equal($"bytes */{file.Length}", past.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task CorruptHostBody_AbortedNoBlob_NextCallerFetchesAgainAndStores()
    {
        var file = SafeTensors(300_000, seed: 105);
        hosts.CivitAi.AddDownload(8105, "lib-8105.safetensors", file);
        await using var gateway = Start("corrupt-8105");
        using var client = gateway.Client(TestKeys.Default);
        using (var probe = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(CivitAiUrl(8105))))
        {
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode); // inspected with the right bytes
        }
        hosts.CivitAi.ReplaceObject(8105, WithLastByteChanged(file));

        using (var corrupt = await client.GetAsync(DownloadPath(CivitAiUrl(8105)), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal((HttpStatusCode.OK, "MISS"), (corrupt.StatusCode, CacheStatus(corrupt)));
            await Assert.ThrowsAnyAsync<Exception>(() => corrupt.Content.ReadAsByteArrayAsync());
        }
        Assert.False(await ExistsAsync(gateway, Sha256(file)));
        Assert.False(await ExistsAsync(gateway, Sha256(WithLastByteChanged(file))));
        var before = FullBodies(8105);
        hosts.CivitAi.ReplaceObject(8105, file);
        using var next = await client.GetAsync(DownloadPath(CivitAiUrl(8105)));
        var nextBytes = await next.Content.ReadAsByteArrayAsync();

        Assert.Equal((HttpStatusCode.OK, "MISS"), (next.StatusCode, CacheStatus(next)));
        Assert.Equal(file, nextBytes);
        Assert.Equal(before + 1, FullBodies(8105));
        Assert.True(await StoredAsync(gateway, Sha256(file)));
    }

    [Fact]
    public async Task RangeOnColdFile_PassedThroughNothingStored()
    {
        var file = SafeTensors(200_000, seed: 106);
        hosts.CivitAi.AddDownload(8106, "lib-8106.safetensors", file);
        await using var gateway = Start("cold-range-8106");
        using var client = gateway.Client(TestKeys.Default);

        using var part = await SendAsync(client, CivitAiUrl(8106), r => r.Headers.Range = new RangeHeaderValue(150_000, 150_099));

        Assert.Equal((HttpStatusCode.PartialContent, "MISS"), (part.StatusCode, CacheStatus(part)));
        Assert.Equal(file[150_000..150_100], await part.Content.ReadAsByteArrayAsync());
        Assert.False(await ExistsAsync(gateway, Sha256(file)));
        Assert.Equal(0, FullBodies(8106));
    }

    [Fact]
    public async Task ForbiddenByPolicy_StoredFile_403StoreNotRead()
    {
        var file = SafeTensors(300_000, seed: 107);
        hosts.CivitAi.AddDownload(8107, "lib-8107.safetensors", file);
        await using var gateway = Start("forbidden-8107", new()
        {
            ["PolicyProfiles:tiny:MaxSizeBytes"] = "100000",
            ["ApiKeys:3:Name"] = "tiny-team",
            ["ApiKeys:3:KeySha256"] = TestKeys.Sha256Hex(TinyKey),
            ["ApiKeys:3:Policy"] = "tiny",
        });
        using var allowed = gateway.Client(TestKeys.Default);
        using var tiny = gateway.Client(TinyKey);
        await FetchWholeAsync(allowed, CivitAiUrl(8107));
        Assert.True(await StoredAsync(gateway, Sha256(file)));

        using var refused = await tiny.GetAsync(DownloadPath(CivitAiUrl(8107)));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("FILE_TOO_LARGE", (await GatewayRequests.ErrorAsync(refused)).Code);
        Assert.False(refused.Headers.Contains("X-Cache-Status") && CacheStatus(refused) == "HIT");
    }

    [Fact]
    public async Task NoPublishedSha256_StreamedAsBeforeNotStored()
    {
        var file = SafeTensors(100_000, seed: 112);
        hosts.CivitAi.AddDownload(8112, "lib-8112.safetensors", file, publishedSha256: "NOT-A-SHA-256"); // not 64 hex digits: none published
        await using var gateway = Start("no-sha-8112");
        using var client = gateway.Client(TestKeys.Default);

        using var first = await client.GetAsync(DownloadPath(CivitAiUrl(8112)));
        var firstBytes = await first.Content.ReadAsByteArrayAsync();
        using var second = await client.GetAsync(DownloadPath(CivitAiUrl(8112)));
        var secondBytes = await second.Content.ReadAsByteArrayAsync();

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal(file, firstBytes);
        Assert.Equal(file, secondBytes);
        Assert.Equal(2, FullBodies(8112));
        Assert.Equal(2, hosts.CivitAi.Storage.RequestsTo("/objects/8112").Count(r => r.Method == "GET" && r.Header("Range") is null));
        Assert.False(await ExistsAsync(gateway, Sha256(file)));
        Assert.Equal(0, gateway.Services.GetRequiredService<ModelLibrary>().SizeBytes);
    }

    [Fact]
    public async Task TwentyConcurrentColdDownloads_TwoReplicasOneStoreOneRedis_OneUpstreamBody()
    {
        var file = SafeTensors(2_000_000, seed: 108);
        hosts.CivitAi.AddDownload(8108, "lib-8108.safetensors", file);
        // The storage host sends the body slowly (about 1 s), so that every caller arrives while it is being filled.
        hosts.CivitAi.HandleObject(8108, async context =>
        {
            if (context.Request.Headers.Range.Count > 0)
            {
                await FakeCivitAi.ObjectResult(file).ExecuteAsync(context);
                return;
            }
            context.Response.ContentLength = file.Length;
            for (var offset = 0; offset < file.Length; offset += 100_000)
            {
                await context.Response.Body.WriteAsync(file.AsMemory(offset, Math.Min(100_000, file.Length - offset)));
                await context.Response.Body.FlushAsync();
                await Task.Delay(50);
            }
        });
        var shared = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["Downloads:MaxConcurrentPerKey"] = "20",
            ["Downloads:IdleTimeoutSeconds"] = "30",
        };
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogCollector();
        await using var one = Start("replicas-8108", shared, logs);
        await using var two = Start("replicas-8108", shared, logs);
        using var clientOne = one.Client(TestKeys.Default);
        using var clientTwo = two.Client(TestKeys.Default);

        var downloads = Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? clientOne : clientTwo).GetAsync(DownloadPath(CivitAiUrl(8108)));
            return (response.StatusCode, CacheStatus(response), Sha256(await response.Content.ReadAsByteArrayAsync()));
        }).ToList();
        var results = await Task.WhenAll(downloads);

        Assert.All(results, r => Assert.Equal((HttpStatusCode.OK, Sha256(file)), (r.StatusCode, r.Item3)));
        Assert.True(1 == FullBodies(8108), string.Join("\n", logs.GetSnapshot().Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Information).Select(r => r.Category + ": " + r.Message))
            + "\n" + string.Join("\n", hosts.CivitAi.Storage.RequestsTo("/objects/8108").Select(r => r.Method + " " + r.Header("Range"))));
        Assert.Equal(1, results.Count(r => r.Item2 == "MISS"));
        Assert.Equal(19, results.Count(r => r.Item2 == "HIT"));
    }

    [Fact]
    public async Task SmallMaxSize_LeastRecentlyUsedEvicted_BlobBeingServedKept()
    {
        // 12 MB files under a 30 MB cap: a third one evicts one of the first two. The older one is being served
        // (its client reads nothing yet), so the other one goes.
        var a = SafeTensors(12_000_000, seed: 109);
        var b = SafeTensors(12_000_000, seed: 110);
        var c = SafeTensors(12_000_000, seed: 111);
        hosts.CivitAi.AddDownload(8109, "lib-8109.safetensors", a);
        hosts.CivitAi.AddDownload(8110, "lib-8110.safetensors", b);
        hosts.CivitAi.AddDownload(8111, "lib-8111.safetensors", c);
        await using var gateway = Start("evict-8109", new()
        {
            ["Library:MaxSizeGB"] = "0.03",
            ["Library:MinFreeSpaceGB"] = "0",
            ["Downloads:IdleTimeoutSeconds"] = "30",
        });
        using var client = gateway.Client(TestKeys.Default);
        await FetchWholeAsync(client, CivitAiUrl(8109));
        Assert.True(await StoredAsync(gateway, Sha256(a)));
        await FetchWholeAsync(client, CivitAiUrl(8110));
        Assert.True(await StoredAsync(gateway, Sha256(b)));

        using var served = await client.GetAsync(DownloadPath(CivitAiUrl(8109)), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("HIT", CacheStatus(served));
        using (var touched = await SendAsync(client, CivitAiUrl(8110), r => r.Headers.Range = new RangeHeaderValue(0, 0)))
        {
            Assert.Equal("HIT", CacheStatus(touched)); // b is now the most recently used, a the least
        }
        await FetchWholeAsync(client, CivitAiUrl(8111));
        Assert.True(await StoredAsync(gateway, Sha256(c)));
        var servedBytes = await served.Content.ReadAsByteArrayAsync();

        Assert.Equal(a, servedBytes);
        Assert.True(await StoredAsync(gateway, Sha256(a)));
        Assert.False(await ExistsAsync(gateway, Sha256(b)));
        Assert.True(await StoredAsync(gateway, Sha256(c)));
        Assert.Equal(a.Length + c.Length, gateway.Services.GetRequiredService<ModelLibrary>().SizeBytes);
    }

    private protected LoopbackGateway Start(string share, Dictionary<string, string?>? extra = null,
        Microsoft.Extensions.Logging.Testing.FakeLogCollector? logs = null)
    {
        var settings = hosts.Settings();
        settings["Downloads:IdleTimeoutSeconds"] = "10";
        foreach (var (key, value) in StoreSettings(share))
        {
            settings[key] = value;
        }
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        return LoopbackGateway.Start(settings, logs is null ? null : new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider(logs));
    }

    private protected static Task<bool> ExistsAsync(LoopbackGateway gateway, string sha256) =>
        gateway.Services.GetRequiredService<ModelLibrary>().ExistsAsync(sha256, default);

    /// <summary>
    /// Whether the blob is in the store within 5 s: a fill is published once the copy completed, just after the client
    /// got its last bytes (a caller arriving meanwhile waits for that fill).
    /// </summary>
    private protected static async Task<bool> StoredAsync(LoopbackGateway gateway, string sha256)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await ExistsAsync(gateway, sha256))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(5))
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }

    private static string? CacheStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Cache-Status", out var values) ? string.Join(",", values) : null;

    /// <summary>Whole-body GETs (no Range) the CivitAI storage host answered for the version's object.</summary>
    private int FullBodies(long versionId) =>
        hosts.CivitAi.Storage.RequestsTo($"/objects/{versionId}").Count(r => r.Method == "GET" && r.Header("Range") is null);

    private static async Task FetchWholeAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(DownloadPath(url));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await response.Content.ReadAsByteArrayAsync();
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string url, Action<HttpRequestMessage> configure)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, DownloadPath(url));
        configure(request);
        return client.SendAsync(request);
    }
}

/// <summary>The library suite on the directory store (a temporary directory per share).</summary>
public sealed class DirectoryLibraryDownloadTests(DownloadHosts hosts, RedisFixture redis)
    : LibraryDownloadContract(hosts, redis), IClassFixture<DownloadHosts>, IClassFixture<RedisFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gateway-library-tests-").FullName;

    private protected override Dictionary<string, string?> StoreSettings(string share) => new()
    {
        ["Library:Path"] = Path.Combine(_root, share),
    };

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

/// <summary>The library suite on the S3 store (an s3rver bucket per share).</summary>
public sealed class S3LibraryDownloadTests(DownloadHosts hosts, RedisFixture redis, S3ServerFixture s3)
    : LibraryDownloadContract(hosts, redis), IClassFixture<DownloadHosts>, IClassFixture<RedisFixture>, IClassFixture<S3ServerFixture>
{
    private protected override Dictionary<string, string?> StoreSettings(string share)
    {
        var settings = s3.Settings();
        settings["Library:S3:Bucket"] = s3.CreateBucket(share);
        return settings;
    }
}
