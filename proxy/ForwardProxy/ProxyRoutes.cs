using ModelGateway.Downloads;
using ModelGateway.Forwarding;
using Yarp.ReverseProxy;

namespace ModelGateway.ForwardProxy;

/// <summary>
/// Where an intercepted request goes: the path prefix of the enforced route (<c>"EnforcePolicy": "true"</c>) whose
/// cluster is the source's — the shipped <c>/civitai</c> and <c>/huggingface</c> — a route matched as
/// <c>/prefix/{**rest}</c> with the transform <c>PathRemovePrefix: /prefix</c>, so the prefixed path reaches the source as
/// the client asked for it.
/// </summary>
internal sealed class ProxyRoutes(IProxyStateLookup routes, RouteSources routeSources)
{
    private const string CatchAllStart = "/{**";

    /// <summary>The prefix of <paramref name="source"/>'s enforced route, or null when the configuration has none.</summary>
    public PathString? PrefixFor(string source)
    {
        foreach (var route in routes.GetRoutes())
        {
            var config = route.Config;
            if (!EnforcedRouteDownloads.IsEnforced(config) || routeSources.For(route.Cluster?.Model.Config)?.Name != source
                || config.Match.Path is not { } path || config.Match.Methods is { Count: > 0 } || config.Match.Hosts is { Count: > 0 }
                || config.Match.Headers is { Count: > 0 } || config.Match.QueryParameters is { Count: > 0 })
            {
                continue;
            }
            var start = path.IndexOf(CatchAllStart, StringComparison.Ordinal);
            if (start <= 0 || !path.EndsWith('}') || path.IndexOf('{', StringComparison.Ordinal) != start + 1)
            {
                continue;
            }
            var prefix = path[..start];
            if (config.Transforms?.Any(t => t.Count == 1 && t.TryGetValue("PathRemovePrefix", out var removed)
                && string.Equals(removed, prefix, StringComparison.Ordinal)) == true)
            {
                return new PathString(prefix);
            }
        }
        return null;
    }
}
