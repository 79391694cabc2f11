using ModelGateway.Caching;
using ModelGateway.Policies;
using ModelGateway.Sources;

namespace ModelGateway.Assets;

/// <summary>
/// One pass of the pipeline: the reference the source made of the URL, its facts, the caller's policy and its verdict
/// on them, the base policy (whose host lists every request for the file is held to, as the caller's are) and how the
/// cache found the facts.
/// </summary>
internal sealed record AssetLookup(SourceRef Asset, AssetFacts Facts, ValidationResult Verdict, PolicySettings Policy,
    PolicySettings BasePolicy, CacheStatus CacheStatus)
{
    public IMetadataSource Source => Asset.Source;
}
