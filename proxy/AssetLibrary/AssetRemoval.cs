using ModelGateway.Library;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// Deleting a reference: the blob's bytes go (from the store and the ComfyUI tree) only when no reference is left; the
/// database decides that in the same transaction that removes the reference, so a reference added meanwhile keeps them.
/// </summary>
internal sealed class AssetRemoval(AssetRepository assets, ModelLibrary library, ComfyModelTree tree, AssetAudit audit)
{
    public async Task RemoveAsync(AssetRecord asset, string owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(asset);
        if (await assets.DeleteAsync(asset.Id, cancellationToken) is not { } removed)
        {
            throw AssetCatalog.NotFound(asset.Id);
        }
        tree.Unlink(asset);
        if (removed.Unreferenced)
        {
            await library.DeleteAsync(removed.Sha256, cancellationToken);
        }
        audit.Deleted(owner, asset.Id, removed.Sha256, removed.Unreferenced);
    }
}
