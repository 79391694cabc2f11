using System.Security.Cryptography;

namespace ModelGateway.Library;

/// <summary>
/// One blob being written: every byte is hashed as it goes, and the blob is published (renamed into place, its multipart
/// upload completed) only by <see cref="CompleteAsync"/> when the SHA-256 and the length are the ones announced.
/// A failure of the store while writing does not fail the caller (a download teed into the store goes on): the write is
/// dropped, the hashing goes on, and <see cref="CompleteAsync"/> says the bytes were right but not stored. Disposed before
/// it completed, it removes what it wrote. Not thread-safe: one writer.
/// </summary>
internal abstract class BlobWrite : IAsyncDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _finished;

    protected BlobWrite(string sha256, long? expectedLength)
    {
        Sha256 = sha256;
        ExpectedLength = expectedLength;
    }

    public string Sha256 { get; }

    public long? ExpectedLength { get; }

    /// <summary>Bytes given so far.</summary>
    public long Written { get; private set; }

    /// <summary>Why the store stopped taking bytes (a full disk, a failing bucket); null while it takes them.</summary>
    public Exception? StoreFailure { get; private set; }

    /// <summary>Hashes <paramref name="chunk"/> and writes it to the store (unless the store failed before).</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        _hash.AppendData(chunk.Span);
        Written += chunk.Length;
        if (StoreFailure is not null || (ExpectedLength is { } expected && Written > expected))
        {
            return;
        }
        try
        {
            await WriteCoreAsync(chunk, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StoreFailure = ex;
            await AbortSafelyAsync();
        }
    }

    /// <summary>
    /// Ends the write: when the bytes hash to <see cref="Sha256"/> and have the announced length, publishes the blob
    /// (unless the store failed). Otherwise, or when publishing fails, nothing is left.
    /// </summary>
    public async Task<BlobWriteResult> CompleteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        _finished = true;
        var actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
        var verified = actual == Sha256 && (ExpectedLength is not { } expected || expected == Written);
        if (!verified || StoreFailure is not null)
        {
            await AbortSafelyAsync();
            return new BlobWriteResult(verified, Stored: false, actual);
        }
        try
        {
            await PublishAsync(cancellationToken);
            return new BlobWriteResult(true, Stored: true, actual);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StoreFailure = ex;
            await AbortSafelyAsync();
            return new BlobWriteResult(true, Stored: false, actual);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            _finished = true;
            await AbortSafelyAsync();
        }
        _hash.Dispose();
        await ReleaseAsync();
        GC.SuppressFinalize(this);
    }

    protected abstract ValueTask WriteCoreAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);

    /// <summary>Makes the verified bytes visible under <see cref="Sha256"/>, atomically.</summary>
    protected abstract Task PublishAsync(CancellationToken cancellationToken);

    /// <summary>Removes whatever was written; may be called more than once.</summary>
    protected abstract Task AbortAsync();

    protected virtual ValueTask ReleaseAsync() => ValueTask.CompletedTask;

    private async Task AbortSafelyAsync()
    {
        try
        {
            await AbortAsync();
        }
#pragma warning disable CA1031 // a leftover is removed at the next startup (CleanUpAsync); the caller's answer must not fail for it
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}

/// <summary>How a write ended: whether the bytes were the announced ones, whether they are now in the store.</summary>
internal readonly record struct BlobWriteResult(bool Verified, bool Stored, string ActualSha256);
