using ModelGateway.Downloads;

namespace Microsoft.AspNetCore.Builder;

internal static class DownloadsApplicationBuilderExtensions
{
    /// <summary>
    /// In YARP's pipeline, before the forwarder: routes with <c>"EnforcePolicy": "true"</c> serve their file downloads
    /// through the gateway's download path.
    /// </summary>
    public static IApplicationBuilder UseEnforcedDownloads(this IApplicationBuilder proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        return proxy.UseMiddleware<EnforcedRouteDownloads>();
    }
}
