using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.DependencyInjection;

internal static class TelemetryServiceCollectionExtensions
{
    /// <summary>The OpenTelemetry resource's service name; <c>OTEL_SERVICE_NAME</c> overrides it.</summary>
    public const string ServiceName = "model-gateway";

    // Tags of System.Net.Http's instruments that stay. server.address, server.port and network.peer.address go: the
    // probes' hosts come from user URLs, so those labels would have no bound.
    private static readonly string[] HttpClientTags =
        ["http.request.method", "http.response.status_code", "error.type", "network.protocol.version", "url.scheme", "http.connection.state"];

    /// <summary>
    /// The <c>ModelGateway</c> meter and the audit log (<see cref="GatewayTelemetry"/>), and OpenTelemetry metrics: the
    /// gateway's meter, ASP.NET Core's (requests by route, Kestrel, the rate limiter), HttpClient's (probes and YARP's
    /// forwards), the runtime's. Exported for Prometheus (<c>MapGatewayMetrics</c>) and, when the standard
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or a per-signal endpoint) is set, over OTLP with traces.
    /// </summary>
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<GatewayMetricsOptions>();
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<GatewayTelemetry>();

        var otel = services.AddOpenTelemetry()
            // A name set in code would win over OTEL_SERVICE_NAME, which the resource reads from the environment itself.
            .ConfigureResource(resource =>
            {
                if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService(ServiceName);
                }
            })
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(GatewayMetrics.MeterName, "System.Runtime")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddView("http.client.*", new MetricStreamConfiguration { TagKeys = HttpClientTags })
                    .AddView("dns.lookup.duration", new MetricStreamConfiguration { TagKeys = ["error.type"] })
                    // Every scrape is fresh: the endpoint is for Prometheus on the internal network, not published.
                    .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                if (OtlpConfigured(configuration, "METRICS"))
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (OtlpConfigured(configuration, "TRACES"))
        {
            // Both instrumentations redact query strings from the URLs they record.
            otel.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        }
        return services;
    }

    /// <summary>The OTLP exporter's own switches: a shared endpoint, or one for the signal.</summary>
    private static bool OtlpConfigured(IConfiguration configuration, string signal) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
        || !string.IsNullOrWhiteSpace(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]);
}
