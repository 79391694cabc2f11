using System.Text.Json.Nodes;

namespace ModelGateway.AssetLibrary;

/// <summary>What a new reference says about its content: its name, tags, metadata and preview, where it came from.</summary>
internal sealed record ReferenceRequest(string Name, IReadOnlyList<string> Tags, JsonObject UserMetadata, Guid? PreviewId, string? SourceUrl,
    string? MimeType = null, Guid? Id = null);

/// <summary>
/// References to content: one blob per content, many references. A caller importing content it already refers to under
/// the same name gets that reference back with its tags and metadata merged in (tags added, metadata keys overwritten),
/// not a second copy of it; anyone else gets a reference of their own. Every one is recorded with its key and audited.
/// </summary>
internal sealed class AssetReferences(AssetRepository assets, ComfyModelTree tree, AssetAudit audit, TimeProvider time)
{
    public async Task<AssetRecord> AddAsync(BlobRecord blob, ReferenceRequest request, string owner, string how, bool createdNew,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(request);
        var now = time.GetUtcNow();
        if (await assets.FindReferenceAsync(blob.Sha256, owner, request.Name, cancellationToken) is { } existing)
        {
            var metadata = (JsonObject)existing.UserMetadata.DeepClone();
            foreach (var (key, value) in request.UserMetadata)
            {
                metadata[key] = value?.DeepClone();
            }
            var tags = existing.Tags.Union(request.Tags, StringComparer.Ordinal).ToList();
            await assets.UpdateAsync(existing.Id, new AssetChanges(null, tags, request.MimeType, request.PreviewId, false, metadata), now,
                cancellationToken);
            var merged = await assets.FindAsync(existing.Id, cancellationToken) ?? existing;
            tree.Link(merged);
            audit.Imported(owner, merged, how, createdNew);
            return merged;
        }
        var asset = new AssetRecord
        {
            Id = request.Id ?? Guid.NewGuid(),
            Blob = blob,
            Name = request.Name,
            MimeType = request.MimeType,
            Tags = request.Tags,
            UserMetadata = request.UserMetadata,
            PreviewId = request.PreviewId,
            SourceUrl = request.SourceUrl,
            CreatedBy = owner,
            CreatedAt = now,
            UpdatedAt = now,
            LastAccessTime = now,
        };
        await assets.AddAssetAsync(asset, cancellationToken);
        var added = await assets.FindAsync(asset.Id, cancellationToken) ?? asset;
        tree.Link(added);
        audit.Imported(owner, added, how, createdNew);
        return added;
    }
}
