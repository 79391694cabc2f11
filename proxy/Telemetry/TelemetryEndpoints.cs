namespace Microsoft.AspNetCore.Builder;

internal static class TelemetryEndpoints
{
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// <c>GET /metrics</c>: the Prometheus text of every meter <c>AddGatewayTelemetry</c> collects. An operator endpoint:
    /// no key and never rate limited, meant to be scraped on each replica's own port from the internal network; the
    /// shipped load balancer (deploy/nginx.conf) does not pass it on. Scrapes are left out of the HTTP metrics.
    /// </summary>
    public static IEndpointConventionBuilder MapGatewayMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapPrometheusScrapingEndpoint(MetricsPath)
            .AllowAnonymous()
            .DisableHttpMetrics()
            .ExcludeFromDescription();
    }
}
