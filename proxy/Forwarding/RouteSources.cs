using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using ModelGateway.Sources;
using ModelGateway.Sources.CivitAi;
using ModelGateway.Sources.HuggingFace;
using Yarp.ReverseProxy.Configuration;

namespace ModelGateway.Forwarding;

/// <summary>
/// Which named source a forwarding route serves: the one whose own hosts (<c>Sources:&lt;name&gt;:Hosts</c> or its
/// <c>BaseUrl</c>) every destination of the route's cluster is on. Such a route gets the source's token, and the
/// source's rules (Hugging Face: no Xet) and, when it enforces policy, its downloads.
/// </summary>
internal sealed class RouteSources(
    IOptionsMonitor<CivitAiOptions> civitAi,
    IOptionsMonitor<HuggingFaceOptions> huggingFace,
    IEnumerable<IForwardedPathRules> pathRules)
{
    private readonly Dictionary<string, IForwardedPathRules> _pathRules = pathRules.ToDictionary(r => r.SourceName, StringComparer.Ordinal);

    private static readonly Uri HuggingFacePublicOrigin = new(HuggingFaceUrl.PublicOrigin);

    // Per cluster configuration (a reload gives new instances, and the old ones' entries go with them).
    private readonly ConditionalWeakTable<ClusterConfig, Answer> _answers = [];

    /// <summary>
    /// The source the cluster's destinations belong to, or null (no destination, or not all on one source's hosts).
    /// Asked several times per forwarded request: each cluster's answer is kept until the cluster's configuration or
    /// the sources' settings change (each a new instance on a reload).
    /// </summary>
    public RouteSource? For(ClusterConfig? cluster)
    {
        if (cluster is null)
        {
            return null;
        }
        var (civitAiSettings, huggingFaceSettings) = (civitAi.CurrentValue, huggingFace.CurrentValue);
        if (_answers.TryGetValue(cluster, out var known) && ReferenceEquals(known.CivitAi, civitAiSettings)
            && ReferenceEquals(known.HuggingFace, huggingFaceSettings))
        {
            return known.Source;
        }
        var source = Find(cluster.Destinations?.Values.Select(d => d.Address) ?? [], civitAiSettings, huggingFaceSettings);
        _answers.AddOrUpdate(cluster, new Answer(civitAiSettings, huggingFaceSettings, source));
        return source;
    }

    /// <summary>
    /// What the source knows about its own forwarded paths. Every source a route can serve has rules; one without would be
    /// a programming error, and its requests are refused rather than forwarded unchecked.
    /// </summary>
    public IForwardedPathRules RulesFor(RouteSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return _pathRules.TryGetValue(source.Name, out var rules)
            ? rules
            : throw new InvalidOperationException($"The source {source.Name} has no forwarded-path rules.");
    }

    /// <summary>As <see cref="For(ClusterConfig?)"/>, for destination addresses and source settings read from any configuration.</summary>
    public static RouteSource? Find(IEnumerable<string?> destinationAddresses, CivitAiOptions civitAi, HuggingFaceOptions huggingFace)
    {
        ArgumentNullException.ThrowIfNull(destinationAddresses);
        ArgumentNullException.ThrowIfNull(civitAi);
        ArgumentNullException.ThrowIfNull(huggingFace);
        RouteSource? found = null;
        foreach (var address in destinationAddresses)
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var destination))
            {
                return null;
            }
            RouteSource? owner = civitAi.Hosts.Count > 0 && civitAi.IsOwnHost(destination)
                    ? new RouteSource(CivitAiSource.SourceName, civitAi, CivitAiUrl.CanonicalOrigin)
                : huggingFace.IsOwnHost(destination) ? new RouteSource(HuggingFaceSource.SourceName, huggingFace, HuggingFacePublicOrigin)
                : null;
            if (owner is null || (found is not null && found.Name != owner.Name))
            {
                return null;
            }
            found = owner;
        }
        return found;
    }

    /// <summary>What <see cref="For"/> answered for a cluster under these sources' settings.</summary>
    private sealed record Answer(CivitAiOptions CivitAi, HuggingFaceOptions HuggingFace, RouteSource? Source);
}

/// <summary>
/// A named source (<see cref="IMetadataSource.Name"/>), its settings, and the public origin its URLs are named with
/// (a forwarded path on it is the URL the policy and the source read, wherever the route's destination is).
/// </summary>
internal sealed record RouteSource(string Name, SourceOptions Options, Uri PublicOrigin)
{
    public bool IsHuggingFace => Name == HuggingFaceSource.SourceName;
}
