using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Library;

namespace ModelGateway.IntegrationTests.Library;

/// <summary>
/// <see cref="ModelLibrary"/> over a directory store: puts stream through verification, and eviction takes the least
/// recently used blob that is neither pinned (being served) nor retained (an asset refers to it).
/// </summary>
public sealed class ModelLibraryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gateway-model-library-").FullName;

    [Fact]
    public async Task Put_RightBytes_StoredWrongBytes_NothingLeft()
    {
        await using var services = Services(maxSizeGB: null);
        var library = services.GetRequiredService<ModelLibrary>();
        var bytes = BlobStoreContract.Bytes(200_000, seed: 40);
        var other = BlobStoreContract.Bytes(200_000, seed: 41);

        var stored = await library.PutAsync(BlobStoreContract.Sha256(bytes), new MemoryStream(bytes), bytes.Length, default);
        var refused = await library.PutAsync(BlobStoreContract.Sha256(other), new MemoryStream(bytes), bytes.Length, default);

        Assert.Equal((true, true), (stored.Verified, stored.Stored));
        Assert.Equal((false, false), (refused.Verified, refused.Stored));
        Assert.True(await library.ExistsAsync(BlobStoreContract.Sha256(bytes), default));
        Assert.False(await library.ExistsAsync(BlobStoreContract.Sha256(other), default));
        Assert.Equal(bytes.Length, library.SizeBytes);
    }

    [Fact]
    public async Task Eviction_OverTheCap_OldestUnpinnedUnretainedGoes()
    {
        var retained = new Retained();
        // A cap of 250 kB: two 100 kB blobs fit, a third evicts one.
        await using var services = Services(maxSizeGB: 0.00025, retained);
        var library = services.GetRequiredService<ModelLibrary>();
        var (a, b, c, d) = (Blob(50), Blob(51), Blob(52), Blob(53));
        await PutAsync(library, a);
        await PutAsync(library, b);

        retained.Add(BlobStoreContract.Sha256(a)); // the oldest is an asset's: kept
        await PutAsync(library, c);                // b goes
        using (library.Pin(BlobStoreContract.Sha256(c)))
        {
            retained.Clear();
            await PutAsync(library, d);            // a is now the oldest unretained, unpinned blob: it goes; c is served
        }

        Assert.False(await library.ExistsAsync(BlobStoreContract.Sha256(a), default));
        Assert.False(await library.ExistsAsync(BlobStoreContract.Sha256(b), default));
        Assert.True(await library.ExistsAsync(BlobStoreContract.Sha256(c), default));
        Assert.True(await library.ExistsAsync(BlobStoreContract.Sha256(d), default));
        Assert.Equal(200_000, library.SizeBytes);
    }

    [Fact]
    public async Task Load_LeftoversAndBlobsOfAnEarlierRun_CleanedAndCounted()
    {
        var bytes = Blob(60);
        var store = new DirectoryBlobStore(_root);
        await using (var write = await store.BeginWriteAsync(BlobStoreContract.Sha256(bytes), bytes.Length, default))
        {
            await write.WriteAsync(bytes, default);
            await write.CompleteAsync(default);
        }
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
        await File.WriteAllBytesAsync(Path.Combine(_root, "tmp", BlobStoreContract.Sha256(Blob(61)) + ".killed.partial"), Blob(61));
        await using var services = Services(maxSizeGB: null);
        var library = services.GetRequiredService<ModelLibrary>();

        await library.LoadAsync(default);

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "tmp")));
        Assert.Equal(bytes.Length, library.SizeBytes);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static byte[] Blob(int seed) => BlobStoreContract.Bytes(100_000, seed);

    private static async Task PutAsync(ModelLibrary library, byte[] bytes)
    {
        var result = await library.PutAsync(BlobStoreContract.Sha256(bytes), new MemoryStream(bytes), bytes.Length, default);
        Assert.True(result.Stored);
        await Task.Delay(5); // distinct last-use times
    }

    private ServiceProvider Services(double? maxSizeGB, IBlobRetention? retention = null)
    {
        var settings = new Dictionary<string, string?> { ["Library:MinFreeSpaceGB"] = "0" };
        if (maxSizeGB is { } max)
        {
            settings["Library:MaxSizeGB"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton(TimeProvider.System);
        services.AddGatewayRedis(); // no ConnectionStrings:Redis: in-process fill leases
        services.AddSingleton<IBlobStore>(new DirectoryBlobStore(_root));
        services.AddModelLibrary();
        if (retention is not null)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton(retention));
        }
        return services.BuildServiceProvider();
    }

    /// <summary>What the next issue's asset records will say: these blobs are referred to.</summary>
    private sealed class Retained : IBlobRetention
    {
        private readonly HashSet<string> _blobs = [];

        public void Add(string sha256) => _blobs.Add(sha256);

        public void Clear() => _blobs.Clear();

        public ValueTask<bool> IsRetainedAsync(string sha256, CancellationToken cancellationToken) => ValueTask.FromResult(_blobs.Contains(sha256));
    }
}
