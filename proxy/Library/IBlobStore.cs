namespace ModelGateway.Library;

/// <summary>
/// Bytes by SHA-256, and nothing else: a blob is listed, found and opened only once its bytes hashed to its name and had
/// the length they were announced with (<see cref="BlobWrite"/>). Two kinds: <see cref="DirectoryBlobStore"/> and
/// <see cref="S3BlobStore"/>. Keys are 64 lowercase hex digits (<see cref="Sha256Key"/>), checked by the caller.
/// </summary>
internal interface IBlobStore
{
    /// <summary><c>directory</c> or <c>s3</c> (metrics, logs, health).</summary>
    string Kind { get; }

    /// <summary>The blob's length, or null when the store holds no such blob.</summary>
    Task<long?> GetLengthAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>
    /// The blob's bytes from <paramref name="offset"/>, <paramref name="length"/> of them (to the end when null).
    /// Null when the store holds no such blob (any more).
    /// </summary>
    Task<Stream?> OpenReadAsync(string sha256, long offset, long? length, CancellationToken cancellationToken);

    /// <summary>
    /// A write of the blob <paramref name="sha256"/>: visible only after <see cref="BlobWrite.CompleteAsync"/> found the
    /// bytes' hash and length right; disposed without that, it leaves nothing.
    /// </summary>
    Task<BlobWrite> BeginWriteAsync(string sha256, long? expectedLength, CancellationToken cancellationToken);

    /// <summary>Records that the blob was just used (least-recently-used order survives a restart where the store can keep it).</summary>
    Task TouchAsync(string sha256, DateTimeOffset usedAt, CancellationToken cancellationToken);

    /// <summary>Removes the blob; false when there was none.</summary>
    Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Every visible blob, with its length and when it was last used (or written).</summary>
    IAsyncEnumerable<StoredBlob> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Removes what interrupted writes left (a kill mid-fill): temporary files, unfinished multipart uploads — except
    /// those of blobs <paramref name="isFilling"/> says another replica is writing now.
    /// </summary>
    Task<int> CleanUpAsync(Func<string, Task<bool>> isFilling, CancellationToken cancellationToken);

    /// <summary>Null when a blob could be written now; else why not (no secret in it).</summary>
    Task<string?> CheckWritableAsync(CancellationToken cancellationToken);

    /// <summary>Bytes free where blobs are written, when the store can tell (a directory); null for a bucket.</summary>
    long? FreeSpaceBytes { get; }
}

/// <summary>A visible blob: its SHA-256, its length, when it was last used (or written).</summary>
internal sealed record StoredBlob(string Sha256, long Length, DateTimeOffset LastUsed);
