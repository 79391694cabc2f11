using ModelGateway.Policies;
using ModelGateway.PolicyProfiles;
using ModelGateway.Callers;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// Who sees what: the library is the organisation's, and every listing, detail and byte is held to the caller's policy,
/// evaluated again on the facts the blob was imported with (a team whose policy forbids pickles neither sees nor fetches
/// the pickle another team imported). Images (previews) are checked as previews are when they come in, and seen by all.
/// </summary>
internal sealed class AssetVisibility(PolicyProvider policies)
{
    /// <summary>The caller's policy, resolved once for a listing.</summary>
    public PolicySettings PolicyOf(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return policies.For(caller.Profile);
    }

    public static bool IsVisible(BlobRecord blob, PolicySettings policy)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return blob.Kind == BlobKinds.Image || PolicyEvaluator.Evaluate(blob.Facts, policy).IsValid;
    }

    public bool IsVisible(BlobRecord blob, Caller caller) => IsVisible(blob, PolicyOf(caller));
}
