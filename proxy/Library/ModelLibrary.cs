using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ModelGateway.Library;

/// <summary>
/// The organisation's store of verified files, by SHA-256, in front of <see cref="IBlobStore"/>: open a blob (pinned while
/// open: eviction never removes a blob being served), put one by streaming it through verification, fill one from a
/// download (one fill per blob across replicas, <see cref="FillLeases"/>), and keep the store under
/// <c>Library:MaxSizeGB</c> and above <c>Library:MinFreeSpaceGB</c> by evicting the least recently used blobs that nothing
/// pins or retains (<see cref="IBlobRetention"/>). The sizes and last uses it evicts by are this replica's view, loaded
/// from the store at startup and kept as it reads and writes.
/// </summary>
internal sealed partial class ModelLibrary : IDisposable
{
    private const int CopyBufferBytes = 256 * 1024;

    private readonly ConcurrentDictionary<string, IndexEntry> _index = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _pins = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _evicting = new(1, 1);
    private readonly IOptions<LibraryOptions> _options;
    private readonly IEnumerable<IBlobRetention> _retention;
    private readonly TimeProvider _time;
    private readonly ILogger<ModelLibrary> _logger;
    private long _totalBytes;

    public ModelLibrary(IBlobStore store, FillLeases leases, IOptions<LibraryOptions> options, IEnumerable<IBlobRetention> retention,
        LibraryMetrics metrics, TimeProvider time, ILogger<ModelLibrary> logger)
    {
        Store = store;
        Leases = leases;
        Metrics = metrics;
        _options = options;
        _retention = retention;
        _time = time;
        _logger = logger;
        metrics.SizeBytes = () => Interlocked.Read(ref _totalBytes);
        metrics.BlobCount = () => _index.Count;
    }

    public IBlobStore Store { get; }

    public FillLeases Leases { get; }

    public LibraryMetrics Metrics { get; }

    /// <summary>Whether downloads are teed into the store (<c>Library:CacheDownloads</c>).</summary>
    public bool CachesDownloads => _options.Value.CacheDownloads;

    /// <summary>Bytes of the blobs this replica knows of.</summary>
    public long SizeBytes => Interlocked.Read(ref _totalBytes);

    /// <summary>Whether the store holds <paramref name="sha256"/> (verified).</summary>
    public async Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken) =>
        await Store.GetLengthAsync(Key(sha256), cancellationToken) is not null;

    /// <summary>
    /// The blob <paramref name="sha256"/>, pinned (never evicted) until the handle is disposed; null when the store does
    /// not hold it. Counts as a use for the least-recently-used order.
    /// </summary>
    public async Task<LibraryBlob?> OpenAsync(string sha256, CancellationToken cancellationToken)
    {
        var key = Key(sha256);
        var pin = Pin(key);
        try
        {
            long? found;
            try
            {
                found = await Store.GetLengthAsync(key, cancellationToken);
            }
            catch (Exception ex) when (IsStoreFailure(ex))
            {
                Log.ReadFailed(_logger, key, Store.Kind, ex.GetType().Name); // served from upstream meanwhile
                found = null;
            }
            if (found is not { } length)
            {
                pin.Dispose();
                return null;
            }
            var now = _time.GetUtcNow();
            Remember(key, length, now);
            await Store.TouchAsync(key, now, cancellationToken);
            return new LibraryBlob(this, key, length, pin);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>Keeps <paramref name="sha256"/> from eviction until disposed (a blob being served).</summary>
    public IDisposable Pin(string sha256)
    {
        var key = Key(sha256);
        _pins.AddOrUpdate(key, 1, (_, count) => count + 1);
        return new PinHandle(this, key);
    }

    /// <summary>
    /// Stores <paramref name="content"/> as <paramref name="sha256"/> if its bytes hash to it (and have
    /// <paramref name="expectedLength"/>, when given); nothing is left otherwise. For imports: the stream is read to its end.
    /// </summary>
    public async Task<BlobWriteResult> PutAsync(string sha256, Stream content, long? expectedLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var key = Key(sha256);
        if (await Store.GetLengthAsync(key, cancellationToken) is { } existing)
        {
            return new BlobWriteResult(Verified: true, Stored: true, key); // content-addressed: the same bytes are there
        }
        await EnsureRoomAsync(expectedLength ?? 0, cancellationToken);
        await using var write = await Store.BeginWriteAsync(key, expectedLength, cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await write.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var result = await write.CompleteAsync(cancellationToken);
        if (result.Stored)
        {
            await CommittedAsync(key, write.Written, cancellationToken);
        }
        return result;
    }

    /// <summary>
    /// Starts filling <paramref name="sha256"/> from a download: null when another fill of it runs (here or on another
    /// replica) — wait with <see cref="WaitForFillAsync"/> and look again. A fill that is disposed without being completed
    /// leaves nothing. <see cref="BlobFill.Stored"/> is false when the store has no room: the download goes on, unstored.
    /// <paramref name="callerChecksHash"/>: the caller hashes the very bytes it gives the fill and completes it only when
    /// they matched <paramref name="sha256"/> (<see cref="BlobWrite.LeaveHashToCaller"/>: one hash instead of two).
    /// </summary>
    public async Task<BlobFill?> TryBeginFillAsync(string sha256, long? expectedLength, CancellationToken cancellationToken,
        bool callerChecksHash = false)
    {
        var key = Key(sha256);
        var lease = await Leases.TryAcquireAsync(key, cancellationToken);
        if (lease is null)
        {
            return null;
        }
        try
        {
            if (!await EnsureRoomAsync(expectedLength ?? 0, cancellationToken))
            {
                Metrics.Fill(FillOutcomes.NoRoom);
                return new BlobFill(this, key, lease, write: null);
            }
            BlobWrite? write = null;
            try
            {
                write = await Store.BeginWriteAsync(key, expectedLength, cancellationToken);
                if (callerChecksHash)
                {
                    write.LeaveHashToCaller();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.FillNotStarted(_logger, key, Store.Kind, ex.GetType().Name);
                Metrics.Fill(FillOutcomes.StoreFailed);
            }
            return new BlobFill(this, key, lease, write);
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits a while for a fill of <paramref name="sha256"/> running elsewhere (see <see cref="TryBeginFillAsync"/>).</summary>
    public Task WaitForFillAsync(string sha256, CancellationToken cancellationToken) => Leases.WaitAsync(Key(sha256), cancellationToken);

    /// <summary>Removes the blob (a corrupt one found by <c>verify</c>); false when there was none.</summary>
    public async Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        var key = Key(sha256);
        var deleted = await Store.DeleteAsync(key, cancellationToken);
        Forget(key);
        return deleted;
    }

    /// <summary>
    /// At startup: removes what interrupted fills left (except fills other replicas are running), then learns every blob's
    /// size and last use, then evicts down to the bounds.
    /// </summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var removed = await Store.CleanUpAsync(Leases.IsFillingAsync, cancellationToken);
        if (removed > 0)
        {
            Log.LeftoversRemoved(_logger, removed, Store.Kind);
        }
        await foreach (var blob in Store.ListAsync(cancellationToken))
        {
            Remember(blob.Sha256, blob.Length, blob.LastUsed);
        }
        Log.Loaded(_logger, Store.Kind, _index.Count, Interlocked.Read(ref _totalBytes));
        await EnsureRoomAsync(0, cancellationToken);
    }

    public void Dispose() => _evicting.Dispose();

    /// <summary>A failure of the store itself (a disk, a bucket): logged, never a failed request.</summary>
    public static bool IsStoreFailure(Exception exception) => exception is IOException or UnauthorizedAccessException
        or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or HttpRequestException;

    private static string Key(string sha256) =>
        Sha256Key.Normalize(sha256) ?? throw new ArgumentException("Not a SHA-256 in hex.", nameof(sha256));

    private readonly record struct IndexEntry(long Length, long LastUsedTicks);
}
