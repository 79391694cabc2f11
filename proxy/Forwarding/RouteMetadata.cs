using Yarp.ReverseProxy.Configuration;

namespace ModelGateway.Forwarding;

/// <summary>
/// The route metadata the gateway reads (<c>ReverseProxy:Routes:&lt;id&gt;:Metadata:…</c>), each <c>true</c> or
/// <c>false</c> (checked at startup).
/// </summary>
internal static class RouteMetadata
{
    /// <summary>Policy on the route's file downloads, and the route is default-deny (only its source's allow-list is forwarded).</summary>
    public const string EnforcePolicy = "EnforcePolicy";

    /// <summary>An enforcing route forwards methods other than its allow-list's (writes) to paths that serve no file.</summary>
    public const string AllowWrites = "AllowWrites";

    public static bool IsEnforced(RouteConfig route) => IsTrue(route, EnforcePolicy);

    public static bool AllowsWrites(RouteConfig route) => IsTrue(route, AllowWrites);

    private static bool IsTrue(RouteConfig route, string key)
    {
        ArgumentNullException.ThrowIfNull(route);
        return route.Metadata?.TryGetValue(key, out var value) == true && bool.TryParse(value, out var on) && on;
    }
}
