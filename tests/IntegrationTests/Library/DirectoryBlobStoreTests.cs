using ModelGateway.Library;

namespace ModelGateway.IntegrationTests.Library;

/// <summary>The directory store on a temporary directory: the contract, and what a kill mid-write leaves.</summary>
public sealed class DirectoryBlobStoreTests : BlobStoreContract, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gateway-library-").FullName;
    private readonly DirectoryBlobStore _store;

    public DirectoryBlobStoreTests() => _store = new DirectoryBlobStore(_root);

    private protected override IBlobStore Store => _store;

    [Fact]
    public async Task Write_Published_IsTheFileUnderItsHash()
    {
        var bytes = Bytes(5000, seed: 20);
        var sha256 = Sha256(bytes);

        await WriteAsync(sha256, bytes, bytes.Length);

        Assert.Equal(Path.Combine(_root, "blobs", "sha256", sha256[..2], sha256), _store.PathOf(sha256));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_store.PathOf(sha256)));
    }

    [Fact]
    public async Task CleanUp_PartialFilesOfAKilledWrite_RemovedExceptFillsUnderWay()
    {
        var killed = Sha256(Bytes(10, seed: 21));
        var running = Sha256(Bytes(10, seed: 22));
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
        await File.WriteAllBytesAsync(Path.Combine(_root, "tmp", killed + ".0123.partial"), Bytes(4096, seed: 23));
        await File.WriteAllBytesAsync(Path.Combine(_root, "tmp", running + ".4567.partial"), Bytes(4096, seed: 24));

        var removed = await _store.CleanUpAsync(sha256 => Task.FromResult(sha256 == running), default);

        Assert.Equal(1, removed);
        Assert.Equal([running + ".4567.partial"], Directory.EnumerateFiles(Path.Combine(_root, "tmp")).Select(Path.GetFileName));
        Assert.Null(await _store.GetLengthAsync(killed, default));
    }

    [Fact]
    public async Task List_ForeignFiles_Ignored()
    {
        var sha256 = Sha256(Bytes(10, seed: 25));
        Directory.CreateDirectory(Path.Combine(_root, "blobs", "sha256", "zz"));
        await File.WriteAllTextAsync(Path.Combine(_root, "blobs", "sha256", "zz", sha256), "misplaced");
        await File.WriteAllTextAsync(Path.Combine(_root, "blobs", "sha256", "zz", "notes.txt"), "not a blob");

        await foreach (var blob in _store.ListAsync(default))
        {
            Assert.Fail($"Listed {blob.Sha256}");
        }
    }

    [Fact]
    public async Task CheckWritable_PathIsAFile_SaysSo()
    {
        // A file where the directory should be: unwritable for anyone, root included.
        var blocked = Path.Combine(_root, "blocked");
        await File.WriteAllTextAsync(blocked, "a file, not a directory");
        var store = new DirectoryBlobStore(blocked);

        Assert.Equal("The library directory cannot be written (DirectoryNotFoundException).", await store.CheckWritableAsync(default));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private protected override Task AssertNoLeftoversAsync()
    {
        var temporary = Path.Combine(_root, "tmp");
        Assert.Empty(Directory.Exists(temporary) ? Directory.EnumerateFiles(temporary) : []);
        return Task.CompletedTask;
    }
}
