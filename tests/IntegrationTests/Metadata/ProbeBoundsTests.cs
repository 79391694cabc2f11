using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Security;
using Xunit.Abstractions;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Metadata;

/// <summary>
/// The work one lookup may cause is bounded: the bytes a hostile header makes the gateway read and hold, and the
/// probes one key (and all keys) may have running. Memory-sensitive: runs alone.
/// </summary>
[Collection(HostileUpstreamGroup.Name)]
public sealed class ProbeBoundsTests(ITestOutputHelper output)
{
    private const int HeadBytes = 100 * 1024;

    [Fact]
    public async Task RemoteMetadata_40ParallelFilesDeclaringA24MBHeader_ReadOnlyTheirHeadsAndStayUnverified()
    {
        const int Parallel = 40;
        var file = SafeTensorsWithHeaderOf(24_000_000);
        await using var host = await FakeHost.StartAsync((app, _) => app.MapMethods("/files/{n}.safetensors", ["GET", "HEAD"], () =>
            Results.Bytes(file, "application/octet-stream", enableRangeProcessing: true)));
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["ContentCheck:MaxHeaderBytes"] = "1048576",
            ["Probes:MaxConcurrentPerKey"] = "100",
            ["Probes:MaxConcurrent"] = "100",
        });
        using var client = gateway.CreateClient(TestKeys.Default);
        await WarmUpAsync(client, host);
        var servedBefore = host.BytesServed;
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        var responses = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(n => client.GetAsync(MetadataPath(host.Url($"files/{n}.safetensors")))));

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var served = host.BytesServed - servedBefore;
        output.WriteLine($"{Parallel} lookups: {served} bytes served, {allocated / 1024} KiB allocated by the whole process");
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(["FORMAT_UNVERIFIED"], Codes(json.RootElement, "warnings"));
            response.Dispose();
        }
        Assert.True(served <= Parallel * HeadBytes, $"served {served} bytes"); // the head of each, never the declared header
        Assert.True(allocated < Parallel * 1024L * 1024, $"allocated {allocated} bytes"); // under 1 MiB a lookup, test client included
    }

    [Fact]
    public async Task RemoteMetadata_HeaderWithinTheCap_ReadOnceIntoOneBufferOfItsSize()
    {
        const int HeaderLength = 3 * 1024 * 1024;
        var file = SafeTensorsWithHeaderOf(HeaderLength);
        await using var host = await FakeHost.StartAsync((app, _) => app.MapMethods("/files/{n}.safetensors", ["GET", "HEAD"], () =>
            Results.Bytes(file, "application/octet-stream", enableRangeProcessing: true)));
        await using var gateway = new GatewayFactory(); // ContentCheck:MaxHeaderBytes 4 MiB by default
        using var client = gateway.CreateClient(TestKeys.Default);
        await WarmUpAsync(client, host);
        var servedBefore = host.BytesServed;
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        using var response = await client.GetAsync(MetadataPath(host.Url("files/within.safetensors")));

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        // The fake counts a write once it completes, which may be a moment after the gateway has read it.
        await WaitForAsync(() => host.BytesServed - servedBefore >= 8 + HeaderLength);
        await Task.Delay(100);
        var served = host.BytesServed - servedBefore;
        output.WriteLine($"one lookup of a {HeaderLength}-byte header: {served} bytes served, {allocated / 1024} KiB allocated");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Within Cap", json.RootElement.GetProperty("name").GetString());
        Assert.Empty(Codes(json.RootElement, "warnings"));
        Assert.Equal(8 + HeaderLength, served); // the head, then exactly the rest of the header
        Assert.Equal(["bytes=0-102399", $"bytes=102400-{8 + HeaderLength - 1}"],
            host.RequestsTo("/files/within").Select(r => r.Header("Range")));
        Assert.True(allocated < 2L * HeaderLength, $"allocated {allocated} bytes"); // one buffer of the header, no growing copies
    }

    [Fact]
    public async Task RemoteMetadata_BurstFromOneKey_ItsProbesBeyondTheBudgetGet429WhileOthersAreServed()
    {
        await using var host = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/fast/{n}.safetensors", ["GET", "HEAD"], () =>
                Results.Bytes(ModelGateway.Testing.ModelFiles.SafeTensors(), "application/octet-stream", enableRangeProcessing: true));
            app.MapMethods("/slow/{n}.safetensors", ["GET", "HEAD"], async (HttpContext c) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(3), c.RequestAborted); // long enough for the steps below to overlap it
                await Results.Bytes(ModelGateway.Testing.ModelFiles.SafeTensors(), "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(c);
            });
        });
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Probes:MaxConcurrentPerKey"] = "2",
            ["Probes:MaxConcurrent"] = "3",
            ["ApiKeys:2:Name"] = "third-team",
            ["ApiKeys:2:KeySha256"] = TestKeys.Sha256Hex("test-key-third"),
        });
        using var busy = gateway.CreateClient(TestKeys.Default);
        using var other = gateway.CreateClient(TestKeys.Strict);
        using var third = gateway.CreateClient("test-key-third");
        using (var cached = await busy.GetAsync(MetadataPath(host.Url("fast/cached.safetensors"))))
        {
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        }

        // Five slow lookups from one key: two probe, three are refused at once.
        var burst = Enumerable.Range(0, 5).Select(n => busy.GetAsync(MetadataPath(host.Url($"slow/busy-{n}.safetensors")))).ToList();
        await WaitForAsync(() => host.RequestsTo("/slow/busy-").Count() == 2);
        // While they run: the busy key's cached answer, and another key's probe (the third of three in total).
        using var hit = await busy.GetAsync(MetadataPath(host.Url("fast/cached.safetensors")));
        var otherKey = other.GetAsync(MetadataPath(host.Url("slow/other.safetensors")));
        await WaitForAsync(() => host.RequestsTo("/slow/other").Any());
        using var overall = await third.GetAsync(MetadataPath(host.Url("fast/third.safetensors")));
        var burstResponses = await Task.WhenAll(burst);
        using var otherResponse = await otherKey;

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], burstResponses.Where(r => r.StatusCode == HttpStatusCode.OK).Select(r => r.StatusCode));
        var refused = burstResponses.Where(r => r.StatusCode != HttpStatusCode.OK).ToList();
        Assert.Equal(3, refused.Count);
        foreach (var response in refused)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
            Assert.Equal("RATE_LIMITED", (await CodeAsync(response)));
        }
        Assert.Equal(2, host.RequestsTo("/slow/busy-").Count()); // the refused ones never reached the host
        Assert.Equal((HttpStatusCode.OK, "HIT"), (hit.StatusCode, hit.Headers.GetValues("X-Cache-Status").Single()));
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, overall.StatusCode);
        Assert.Equal("1", overall.Headers.GetValues("Retry-After").Single());
        Assert.Equal("SERVICE_UNAVAILABLE", await CodeAsync(overall));
        Assert.Empty(host.RequestsTo("/fast/third"));
        foreach (var response in burstResponses)
        {
            response.Dispose();
        }

        // Once the probes are done, the budgets are free again.
        using var later = await busy.GetAsync(MetadataPath(host.Url("fast/later.safetensors")));
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task RemoteMetadata_KeyOverItsBudgetWhileTheCacheHoldsExpiredFacts_StaleFactsInsteadOfTheRefusal()
    {
        await using var host = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/fast/{n}.safetensors", ["GET", "HEAD"], () =>
                Results.Bytes(ModelGateway.Testing.ModelFiles.SafeTensors(), "application/octet-stream", enableRangeProcessing: true));
            app.MapMethods("/slow/{n}.safetensors", ["GET", "HEAD"], async (HttpContext c) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(2), c.RequestAborted);
                await Results.Bytes(ModelGateway.Testing.ModelFiles.SafeTensors(), "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(c);
            });
        });
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Probes:MaxConcurrentPerKey"] = "1",
            ["MetadataCache:TtlSeconds"] = "1",
        });
        using var client = gateway.CreateClient(TestKeys.Default);
        using (var fresh = await client.GetAsync(MetadataPath(host.Url("fast/known.safetensors"))))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the facts expire

        var busy = client.GetAsync(MetadataPath(host.Url("slow/busy.safetensors")));
        await WaitForAsync(() => host.RequestsTo("/slow/busy").Any());
        using var expired = await client.GetAsync(MetadataPath(host.Url("fast/known.safetensors")));
        using var uncached = await client.GetAsync(MetadataPath(host.Url("fast/new.safetensors")));
        using var busyResponse = await busy;

        Assert.Equal((HttpStatusCode.OK, "STALE"), (expired.StatusCode, expired.Headers.GetValues("X-Cache-Status").Single()));
        using var json = JsonDocument.Parse(await expired.Content.ReadAsStringAsync());
        Assert.Equal(["STALE_METADATA"], Codes(json.RootElement, "warnings"));
        Assert.Equal(HttpStatusCode.TooManyRequests, uncached.StatusCode);
        Assert.Equal(HttpStatusCode.OK, busyResponse.StatusCode);
    }

    /// <summary>A real safetensors file whose JSON header is exactly <paramref name="headerLength"/> bytes (one tensor, padded metadata).</summary>
    private static byte[] SafeTensorsWithHeaderOf(int headerLength)
    {
        const string Title = "Within Cap";
        var start = $"{{\"__metadata__\":{{\"modelspec.title\":\"{Title}\",\"pad\":\"";
        const string End = "\"},\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}";
        var file = new byte[8 + headerLength + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerLength);
        var json = file.AsSpan(8, headerLength);
        Encoding.ASCII.GetBytes(start).CopyTo(json);
        json[start.Length..^End.Length].Fill((byte)'x');
        Encoding.ASCII.GetBytes(End).CopyTo(json[^End.Length..]);
        return file;
    }

    private static async Task WarmUpAsync(HttpClient client, FakeHost host)
    {
        using var warm = await client.GetAsync(MetadataPath(host.Url("files/warm-up.safetensors")));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(10);
        }
    }

    private static async Task<string?> CodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("code").GetString();
    }

    private static string[] Codes(JsonElement body, string list) =>
        body.GetProperty("validation").GetProperty(list).EnumerateArray().Select(e => e.GetProperty("code").GetString()!).ToArray();
}
