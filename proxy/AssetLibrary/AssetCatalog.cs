using ModelGateway.Primitives;
using ModelGateway.Callers;

namespace ModelGateway.AssetLibrary;

/// <summary>A listing's parameters, checked: Cloud's <c>GET /api/assets</c> query.</summary>
internal sealed record AssetListing(AssetQuery Query, int Limit, int Offset);

/// <summary>
/// The library's reads under the caller's policy: a listing filtered in the database (tags, name), then by policy, then
/// paged, so <c>total</c> and <c>has_more</c> count exactly what the caller may see; details; tag counts.
/// </summary>
internal sealed class AssetCatalog(AssetRepository assets, AssetVisibility visibility)
{
    public async Task<ListAssetsResponse> ListAsync(AssetListing listing, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var policy = visibility.PolicyOf(caller);
        var verdicts = new Dictionary<string, bool>(StringComparer.Ordinal); // one evaluation per blob
        var visible = (await assets.QueryAsync(listing.Query, cancellationToken))
            .Where(a => verdicts.TryGetValue(a.Blob.Sha256, out var seen) ? seen : verdicts[a.Blob.Sha256] = AssetVisibility.IsVisible(a.Blob, policy))
            .ToList();
        var page = await assets.WithTagsAsync([.. visible.Skip(listing.Offset).Take(listing.Limit)], cancellationToken);
        return new ListAssetsResponse([.. page.Select(AssetResponse.From)], visible.Count, listing.Offset + page.Count < visible.Count);
    }

    /// <summary>The asset, or 404 <c>NOT_FOUND</c> when there is none the caller may see (one answer for both).</summary>
    public async Task<AssetRecord> GetAsync(Guid id, Caller caller, CancellationToken cancellationToken)
    {
        var asset = await assets.FindAsync(id, cancellationToken);
        if (asset is null || !visibility.IsVisible(asset.Blob, caller))
        {
            throw NotFound(id);
        }
        return asset;
    }

    /// <summary>Tags with the number of assets the caller may see carrying each: Cloud's <c>GET /api/tags</c>.</summary>
    public async Task<ListTagsResponse> TagsAsync(string? prefix, bool byName, int limit, int offset, Caller caller,
        CancellationToken cancellationToken)
    {
        var policy = visibility.PolicyOf(caller);
        var seen = new Dictionary<string, bool>(StringComparer.Ordinal);
        var rows = await assets.AllTagsAsync(cancellationToken);
        var blobs = new Dictionary<string, BlobRecord?>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, sha256, tag) in rows)
        {
            if (prefix is not null && !tag.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (!seen.TryGetValue(sha256, out var visible))
            {
                var blob = blobs.TryGetValue(sha256, out var known) ? known : blobs[sha256] = await assets.FindBlobAsync(sha256, cancellationToken);
                visible = seen[sha256] = blob is not null && AssetVisibility.IsVisible(blob, policy);
            }
            if (visible)
            {
                counts[tag] = counts.GetValueOrDefault(tag) + 1;
            }
        }
        var ordered = byName
            ? counts.OrderBy(c => c.Key, StringComparer.Ordinal)
            : counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal);
        var page = ordered.Skip(offset).Take(limit).Select(c => new TagCount(c.Key, c.Value)).ToList();
        return new ListTagsResponse(page, counts.Count, offset + page.Count < counts.Count);
    }

    public static GatewayException NotFound(Guid id) =>
        new(StatusCodes.Status404NotFound, AssetErrorCodes.NotFound, $"Asset {AssetRepository.IdText(id)} not found.");
}
