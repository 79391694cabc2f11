namespace ModelGateway.Library;

/// <summary>
/// Blobs eviction must keep whatever their age — those an imported asset refers to. Register implementations with
/// <c>TryAddEnumerable</c>; the library asks every one before it evicts a blob.
/// </summary>
internal interface IBlobRetention
{
    ValueTask<bool> IsRetainedAsync(string sha256, CancellationToken cancellationToken);
}
