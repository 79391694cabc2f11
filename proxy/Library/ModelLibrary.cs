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
            if (await Store.GetLengthAsync(key, cancellationToken) is not { } length)
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
    /// </summary>
    public async Task<BlobFill?> TryBeginFillAsync(string sha256, long? expectedLength, CancellationToken cancellationToken)
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

    /// <summary>
    /// Evicts least recently used blobs (not pinned, not retained) until <paramref name="incoming"/> more bytes fit under
    /// <c>Library:MaxSizeGB</c> and above <c>Library:MinFreeSpaceGB</c>; false when they cannot.
    /// </summary>
    public async Task<bool> EnsureRoomAsync(long incoming, CancellationToken cancellationToken)
    {
        var options = _options.Value;
        if (options.MaxSizeBytes is { } max && incoming > max)
        {
            return false;
        }
        await _evicting.WaitAsync(cancellationToken);
        try
        {
            var candidates = new Queue<string>(_index.OrderBy(e => e.Value.LastUsedTicks).Select(e => e.Key));
            while (!Fits(options, incoming))
            {
                if (!candidates.TryDequeue(out var victim))
                {
                    return false;
                }
                if (_pins.ContainsKey(victim) || await IsRetainedAsync(victim, cancellationToken) || await Leases.IsFillingAsync(victim))
                {
                    continue;
                }
                try
                {
                    await Store.DeleteAsync(victim, cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Amazon.Runtime.AmazonServiceException)
                {
                    Log.EvictionFailed(_logger, victim, ex.GetType().Name);
                    continue;
                }
                Forget(victim);
                Metrics.Evicted();
                Log.Evicted(_logger, victim);
            }
            return true;
        }
        finally
        {
            _evicting.Release();
        }
    }

    private bool Fits(LibraryOptions options, long incoming)
    {
        if (options.MaxSizeBytes is { } max && Interlocked.Read(ref _totalBytes) + incoming > max)
        {
            return false;
        }
        return Store.FreeSpaceBytes is not { } free || free - incoming >= options.MinFreeSpaceBytes;
    }

    private async Task<bool> IsRetainedAsync(string sha256, CancellationToken cancellationToken)
    {
        foreach (var retention in _retention)
        {
            if (await retention.IsRetainedAsync(sha256, cancellationToken))
            {
                return true;
            }
        }
        return false;
    }

    private async Task CommittedAsync(string sha256, long length, CancellationToken cancellationToken)
    {
        Remember(sha256, length, _time.GetUtcNow());
        await EnsureRoomAsync(0, cancellationToken);
    }

    private void Remember(string sha256, long length, DateTimeOffset usedAt)
    {
        var entry = new IndexEntry(length, usedAt.UtcTicks);
        _index.AddOrUpdate(sha256, _ =>
        {
            Interlocked.Add(ref _totalBytes, length);
            return entry;
        }, (_, _) => entry);
    }

    private void Forget(string sha256)
    {
        if (_index.TryRemove(sha256, out var entry))
        {
            Interlocked.Add(ref _totalBytes, -entry.Length);
        }
    }

    private void Unpin(string sha256)
    {
        while (_pins.TryGetValue(sha256, out var count))
        {
            if (count <= 1 ? _pins.TryRemove(new(sha256, count)) : _pins.TryUpdate(sha256, count - 1, count))
            {
                return;
            }
        }
    }

    public void Dispose() => _evicting.Dispose();

    private static string Key(string sha256) =>
        Sha256Key.Normalize(sha256) ?? throw new ArgumentException("Not a SHA-256 in hex.", nameof(sha256));

    private readonly record struct IndexEntry(long Length, long LastUsedTicks);

    private sealed class PinHandle(ModelLibrary owner, string sha256) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unpin(sha256);
            }
        }
    }

    /// <summary>An open, pinned blob: its length, and its bytes by range.</summary>
    internal sealed class LibraryBlob(ModelLibrary owner, string sha256, long length, IDisposable pin) : IDisposable
    {
        public string Sha256 => sha256;

        public long Length => length;

        /// <summary>Bytes <paramref name="offset"/>.. (<paramref name="count"/> of them, or to the end); null when the blob vanished.</summary>
        public Task<Stream?> OpenReadAsync(long offset, long? count, CancellationToken cancellationToken) =>
            owner.Store.OpenReadAsync(sha256, offset, count, cancellationToken);

        public void Dispose() => pin.Dispose();
    }

    /// <summary>
    /// A download being written to the store while it streams: <see cref="WriteAsync"/> each chunk in order, then
    /// <see cref="CompleteAsync"/> once the whole body arrived. It holds the blob's fill lease until disposed.
    /// </summary>
    internal sealed class BlobFill(ModelLibrary owner, string sha256, FillLeases.FillLease lease, BlobWrite? write) : IAsyncDisposable
    {
        private string? _outcome;

        public string Sha256 => sha256;

        /// <summary>Whether the bytes are being stored (false: no room, or the store failed to start the write).</summary>
        public bool Stored => write is not null;

        /// <summary>Bytes given so far.</summary>
        public long Written => write?.Written ?? 0;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
            write?.WriteAsync(chunk, cancellationToken) ?? ValueTask.CompletedTask;

        /// <summary>Publishes the blob when the bytes verified; returns whether they did (nothing is stored otherwise).</summary>
        public async Task<bool> CompleteAsync(CancellationToken cancellationToken)
        {
            if (write is null)
            {
                _outcome = FillOutcomes.StoreFailed;
                return true; // nothing to check against: the caller's own checks decide
            }
            var result = await write.CompleteAsync(cancellationToken);
            _outcome = !result.Verified ? FillOutcomes.Mismatch : result.Stored ? FillOutcomes.Stored : FillOutcomes.StoreFailed;
            if (result.Stored)
            {
                await owner.CommittedAsync(sha256, write.Written, cancellationToken);
                Log.Filled(owner._logger, sha256, write.Written, owner.Store.Kind);
            }
            else if (write.StoreFailure is { } failure)
            {
                Log.FillFailed(owner._logger, sha256, owner.Store.Kind, failure.GetType().Name);
            }
            return result.Verified;
        }

        public async ValueTask DisposeAsync()
        {
            if (write is not null)
            {
                await write.DisposeAsync();
                owner.Metrics.Fill(_outcome ?? FillOutcomes.Dropped);
            }
            await lease.DisposeAsync();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Library ({Kind}): {Count} blobs, {Bytes} bytes.", EventName = "LibraryLoaded")]
        public static partial void Loaded(ILogger logger, string kind, int count, long bytes);

        [LoggerMessage(2, LogLevel.Warning, "Library ({Kind}): removed {Count} leftovers of interrupted fills.", EventName = "LibraryLeftoversRemoved")]
        public static partial void LeftoversRemoved(ILogger logger, int count, string kind);

        [LoggerMessage(3, LogLevel.Information, "Library: stored blob {Sha256}, {Bytes} bytes ({Kind}).", EventName = "LibraryFilled")]
        public static partial void Filled(ILogger logger, string sha256, long bytes, string kind);

        [LoggerMessage(4, LogLevel.Warning, "Library: blob {Sha256} not stored: the {Kind} store failed ({Error}).", EventName = "LibraryFillFailed")]
        public static partial void FillFailed(ILogger logger, string sha256, string kind, string error);

        [LoggerMessage(5, LogLevel.Warning, "Library: blob {Sha256} not stored: the {Kind} store could not start the write ({Error}).", EventName = "LibraryFillNotStarted")]
        public static partial void FillNotStarted(ILogger logger, string sha256, string kind, string error);

        [LoggerMessage(6, LogLevel.Information, "Library: evicted blob {Sha256}.", EventName = "LibraryEvicted")]
        public static partial void Evicted(ILogger logger, string sha256);

        [LoggerMessage(7, LogLevel.Warning, "Library: could not evict blob {Sha256} ({Error}).", EventName = "LibraryEvictionFailed")]
        public static partial void EvictionFailed(ILogger logger, string sha256, string error);
    }
}
