namespace ModelGateway.Library;

internal sealed partial class ModelLibrary
{
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
        private bool _broken;

        public string Sha256 => sha256;

        /// <summary>Whether the bytes are being stored (false: no room, or the store failed to start the write).</summary>
        public bool Stored => write is not null;

        /// <summary>Bytes given so far.</summary>
        public long Written => write?.Written ?? 0;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
            write?.WriteAsync(chunk, cancellationToken) ?? ValueTask.CompletedTask;

        /// <summary>
        /// The chunk of the file at <paramref name="fileOffset"/>: taken only in order, from the file's first byte; a fill
        /// given a chunk out of place is broken and never completes.
        /// </summary>
        public ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, long fileOffset, CancellationToken cancellationToken)
        {
            if (_broken || fileOffset != Written)
            {
                _broken = true;
                return ValueTask.CompletedTask;
            }
            return WriteAsync(chunk, cancellationToken);
        }

        /// <summary>Publishes the blob when the bytes verified; returns whether they did (nothing is stored otherwise).</summary>
        public async Task<bool> CompleteAsync(CancellationToken cancellationToken)
        {
            if (write is null)
            {
                _outcome = FillOutcomes.StoreFailed;
                return true; // nothing to check against: the caller's own checks decide
            }
            if (_broken)
            {
                _outcome = FillOutcomes.Mismatch;
                await write.DisposeAsync(); // removes what it wrote
                return false;
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
}
