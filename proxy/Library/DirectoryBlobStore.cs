namespace ModelGateway.Library;

/// <summary>
/// Blobs as files, <c>blobs/sha256/&lt;first two hex digits&gt;/&lt;sha256&gt;</c> under <c>Library:Path</c>. A write goes to
/// <c>tmp/&lt;sha256&gt;.&lt;random&gt;.partial</c> on the same file system, is flushed to disk, and is renamed into place only
/// once verified (<see cref="BlobWrite"/>): a kill at any point leaves a <c>.partial</c> file, which nothing lists or
/// serves and <see cref="CleanUpAsync"/> removes. Readers open files with delete sharing: an eviction never breaks a
/// read under way (the file's bytes live until its last reader closes it). Last use is the file's access time, set
/// explicitly (never left to the mount's <c>relatime</c>).
/// </summary>
internal sealed class DirectoryBlobStore : IBlobStore
{
    private const string PartialSuffix = ".partial";

    private readonly string _blobs;
    private readonly string _temporary;

    public DirectoryBlobStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        _blobs = Path.Combine(Root, "blobs", "sha256");
        _temporary = Path.Combine(Root, "tmp");
    }

    public string Root { get; }

    public string Kind => "directory";

    public long? FreeSpaceBytes
    {
        get
        {
            try
            {
                Directory.CreateDirectory(Root);
                return new DriveInfo(Root).AvailableFreeSpace;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return null;
            }
        }
    }

    /// <summary>Where the blob's file is (or would be).</summary>
    public string PathOf(string sha256) => Path.Combine(_blobs, sha256[..2], sha256);

    public Task<long?> GetLengthAsync(string sha256, CancellationToken cancellationToken)
    {
        var file = new FileInfo(PathOf(sha256));
        return Task.FromResult<long?>(file.Exists ? file.Length : null);
    }

    public Task<Stream?> OpenReadAsync(string sha256, long offset, long? length, CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = new FileStream(PathOf(sha256), new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        file.Position = offset;
        return Task.FromResult<Stream?>(length is { } count ? new BoundedReadStream(file, count) : file);
    }

    public Task<BlobWrite> BeginWriteAsync(string sha256, long? expectedLength, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_temporary);
        var temporary = Path.Combine(_temporary, $"{sha256}.{Guid.NewGuid():N}{PartialSuffix}");
        var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
            PreallocationSize = expectedLength ?? 0, // a disk that cannot hold the file says so now, not near its end
        });
        return Task.FromResult<BlobWrite>(new FileWrite(this, sha256, expectedLength, file, temporary));
    }

    public Task TouchAsync(string sha256, DateTimeOffset usedAt, CancellationToken cancellationToken)
    {
        try
        {
            File.SetLastAccessTimeUtc(PathOf(sha256), usedAt.UtcDateTime);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // evicted meanwhile, or a read-only store: the order in memory still holds
        }
        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }
        File.Delete(path);
        return Task.FromResult(true);
    }

    public async IAsyncEnumerable<StoredBlob> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_blobs))
        {
            yield break;
        }
        foreach (var path in Directory.EnumerateFiles(_blobs, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(path);
            if (!Sha256Key.IsValid(name) || Path.GetFileName(Path.GetDirectoryName(path)) != name[..2])
            {
                continue; // not a blob of ours
            }
            var file = new FileInfo(path);
            if (file.Exists)
            {
                yield return new StoredBlob(name, file.Length, new DateTimeOffset(Max(file.LastAccessTimeUtc, file.LastWriteTimeUtc), TimeSpan.Zero));
            }
        }
        await Task.CompletedTask;
    }

    public async Task<int> CleanUpAsync(Func<string, Task<bool>> isFilling, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isFilling);
        if (!Directory.Exists(_temporary))
        {
            return 0;
        }
        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(_temporary))
        {
            var name = Path.GetFileName(path);
            var sha256 = name.Length > Sha256Key.Length ? name[..Sha256Key.Length] : string.Empty;
            if (Sha256Key.IsValid(sha256) && await isFilling(sha256))
            {
                continue; // another replica sharing this directory is writing it now
            }
            try
            {
                File.Delete(path);
                removed++;
            }
            catch (IOException)
            {
                // gone meanwhile
            }
        }
        return removed;
    }

    public Task<string?> CheckWritableAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(_temporary);
            var probe = Path.Combine(_temporary, $"probe.{Guid.NewGuid():N}{PartialSuffix}");
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
            return Task.FromResult<string?>(null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult<string?>($"The library directory cannot be written ({ex.GetType().Name}).");
        }
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private sealed class FileWrite(DirectoryBlobStore store, string sha256, long? expectedLength, FileStream file, string temporary)
        : BlobWrite(sha256, expectedLength)
    {
        protected override ValueTask WriteCoreAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
            file.WriteAsync(chunk, cancellationToken);

        protected override async Task PublishAsync(CancellationToken cancellationToken)
        {
            file.Flush(flushToDisk: true);
            await file.DisposeAsync();
            var target = store.PathOf(Sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            try
            {
                File.Move(temporary, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                File.Delete(temporary); // another replica published the same bytes first
            }
        }

        protected override async Task AbortAsync()
        {
            await file.DisposeAsync();
            File.Delete(temporary);
        }

        protected override ValueTask ReleaseAsync() => file.DisposeAsync();
    }
}
