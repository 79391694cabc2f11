using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Caching;
using ModelGateway.IntegrationTests.Infrastructure;
using Xunit.Abstractions;
using static ModelGateway.IntegrationTests.Caching.CacheHttp;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Caching;

/// <summary>Measures the process's managed memory: runs alone, not beside other collections.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementGroup
{
    public const string Name = "Memory measurement";
}

/// <summary>
/// Every URL serves a LoRA whose <c>modelspec.thumbnail</c> is a 200 KB PNG, so each answer carries a preview of about
/// 273 000 characters (over 500 KB in memory): 300 URLs would hold about 160 MB without the limit.
/// </summary>
[Collection(MemoryMeasurementGroup.Name)]
public sealed class MemoryLimitTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;

    // Retained besides the cache: the fake host's log of the requests it served (about 1 KB each) and buffers the
    // runtime pools (measured: 2 to 4 MB).
    private const long MarginBytes = 6 * MiB;

    private SwitchableFileHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await SwitchableFileHost.StartAsync(file: LoraWithThumbnail(LargePng(200 * 1024)));
        // A first gateway warms what the process pools whoever runs (buffers of the sizes these files need, threads).
        await using var warmUp = Gateway(limitMB: 8);
        await LookUpAsync(warmUp, "warm-up", 300);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ManyUrlsWithLargePreviews_RetainedMemoryStaysUnderMemoryLimit()
    {
        const int LimitMB = 8;
        const int Urls = 300;

        var (retained, cacheBytes, oldestStatus) = await MeasureAsync(LimitMB, Urls);

        output.WriteLine($"{Urls} URLs, MemoryLimitMB {LimitMB}: retained {MB(retained)} MB managed, cache estimate {MB(cacheBytes)} MB");
        Assert.InRange(cacheBytes, LimitMB * MiB / 2, LimitMB * MiB); // full, never over
        Assert.True(retained < (LimitMB * MiB) + MarginBytes, $"Retained {MB(retained)} MB after {Urls} lookups with a {LimitMB} MB limit.");
        Assert.Equal("MISS", oldestStatus); // evicted to make room
    }

    [Fact]
    public async Task EntrySizeEstimate_MatchesWhatEntriesHold()
    {
        const int Urls = 100;

        var (retained, cacheBytes, oldestStatus) = await MeasureAsync(limitMB: 1024, Urls);

        output.WriteLine($"{Urls} URLs, no effective limit: retained {MB(retained)} MB managed, cache estimate {MB(cacheBytes)} MB");
        Assert.InRange(cacheBytes, 40 * MiB, 70 * MiB);
        // The process's managed heap is shared with whatever other test classes left running (background services of
        // gateways being disposed, fixtures), so the estimate is held to a fifth of what it counts, at least the margin.
        var tolerance = Math.Max(MarginBytes, cacheBytes / 5);
        Assert.InRange(retained, cacheBytes - tolerance, cacheBytes + tolerance);
        Assert.Equal("HIT", oldestStatus);
    }

    /// <summary>Managed bytes <paramref name="urls"/> lookups on a fresh gateway retain, what its cache estimates it holds, and whether the first URL is still cached.</summary>
    private async Task<(long Retained, long CacheBytes, string? OldestStatus)> MeasureAsync(int limitMB, int urls)
    {
        await using var gateway = Gateway(limitMB);
        await LookUpAsync(gateway, "first", 1); // the gateway's own start-up state is not the cache's
        var before = RetainedBytes();
        await LookUpAsync(gateway, "model", urls);
        var after = RetainedBytes();
        var cacheBytes = gateway.Services.GetRequiredService<MetadataCache>().MemoryBytes;
        using var client = gateway.CreateClient(TestKeys.Default);
        using var oldest = await client.GetAsync(MetadataPath(_host.Url("model-0.safetensors")));
        return (after - before, cacheBytes, CacheStatus(oldest));
    }

    // Live managed bytes after a full, compacting collection: the previews are large objects, and without compacting
    // the large-object heap the holes evicted previews leave would count as retained.
    private static long RetainedBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers(); // what finalizers free counts now, not between the two measurements
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string MB(long bytes) => (bytes / (double)MiB).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    private static GatewayFactory Gateway(int limitMB) => new(new Dictionary<string, string?>
    {
        ["ConnectionStrings:Redis"] = "",
        ["MetadataCache:MemoryLimitMB"] = limitMB.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    private async Task LookUpAsync(GatewayFactory gateway, string prefix, int count)
    {
        using var client = gateway.CreateClient(TestKeys.Default);
        for (var i = 0; i < count; i++)
        {
            using var response = await client.GetAsync(MetadataPath(_host.Url($"{prefix}-{i}.safetensors")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("data:image/png;base64,", (await JsonAsync(response)).GetProperty("preview_image").GetString(),
                StringComparison.Ordinal);
        }
    }
}
