using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;

namespace ModelGateway.Library;

/// <summary>
/// Re-reads every blob of the store and hashes it: a blob whose bytes no longer hash to its name (a disk error, a hand
/// edit, a store that changed bytes) is reported, and removed when asked. The <c>verify</c> command.
/// </summary>
internal static class LibraryVerifier
{
    private const int BufferBytes = 1024 * 1024;

    /// <summary>One line per corrupt blob and a closing line on <paramref name="output"/>; the number of corrupt blobs.</summary>
    public static async Task<int> VerifyAsync(ModelLibrary library, bool remove, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(output);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        var checkedCount = 0;
        var corrupt = 0;
        long bytes = 0;
        try
        {
            await foreach (var blob in library.Store.ListAsync(cancellationToken))
            {
                checkedCount++;
                var (actual, length) = await HashAsync(library.Store, blob.Sha256, buffer, cancellationToken);
                bytes += length;
                if (actual == blob.Sha256)
                {
                    continue;
                }
                corrupt++;
                var removed = remove && await library.DeleteAsync(blob.Sha256, cancellationToken);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"CORRUPT {blob.Sha256}: {length} bytes hash to {actual ?? "(gone)"}{(removed ? "; removed" : string.Empty)}"));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Verified {checkedCount} blob(s), {bytes} bytes, in the {library.Store.Kind} store: {corrupt} corrupt{(remove && corrupt > 0 ? " (removed)" : string.Empty)}."));
        return corrupt;
    }

    private static async Task<(string? Sha256, long Length)> HashAsync(IBlobStore store, string sha256, byte[] buffer, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenReadAsync(sha256, 0, null, cancellationToken);
        if (content is null)
        {
            return (null, 0);
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), length);
    }
}
