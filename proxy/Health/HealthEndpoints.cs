using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ModelGateway.Health;

namespace Microsoft.AspNetCore.Builder;

internal static class HealthEndpoints
{
    public const string LivePath = "/healthz/live";
    public const string ReadyPath = "/healthz/ready";

    /// <summary>The tag of the checks <c>/healthz/ready</c> runs; <c>/healthz/live</c> runs none.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// <c>/healthz/live</c> (the process answers; <c>/healthz</c> is the same), and <c>/healthz/ready</c> (every check
    /// tagged <see cref="ReadyTag"/>). No key, never rate limited, left out of the HTTP metrics. Healthy and Degraded
    /// answer 200, Unhealthy 503, each with the JSON body of <see cref="HealthResponseWriter"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var live = new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponseWriter.WriteAsync };
        var ready = new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = HealthResponseWriter.WriteAsync };
        foreach (var path in new[] { "/healthz", LivePath })
        {
            endpoints.MapHealthChecks(path, live).AllowAnonymous().DisableHttpMetrics().ExcludeFromDescription();
        }
        endpoints.MapHealthChecks(ReadyPath, ready).AllowAnonymous().DisableHttpMetrics().ExcludeFromDescription();
        return endpoints;
    }
}
