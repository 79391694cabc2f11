using System.Data.Common;
using ModelGateway.Library;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// The store's eviction keeps every blob an asset refers to: imported content is the organisation's library, not a cache.
/// A database that cannot be asked keeps the blob too (eviction tries again later).
/// </summary>
internal sealed class AssetBlobRetention(AssetRepository assets) : IBlobRetention
{
    public async ValueTask<bool> IsRetainedAsync(string sha256, CancellationToken cancellationToken)
    {
        try
        {
            return await assets.IsReferencedAsync(sha256, cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException or TimeoutException)
        {
            return true;
        }
    }
}
