using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Telemetry;

/// <summary>
/// The standard OpenTelemetry variables switch the OTLP export on: the gateway process sends metrics and traces to
/// the collector they name (a fake OTLP/HTTP collector here).
/// </summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Process_OtlpEndpointSet_MetricsAndTracesExported()
    {
        var received = new ConcurrentQueue<string>();
        await using var collector = await FakeHost.StartAsync((app, _) =>
            app.MapPost("/v1/{signal}", (string signal) =>
            {
                received.Enqueue(signal);
                return Results.Ok();
            }));
        await using var gateway = await GatewayProcess.StartAsync(GatewayFactory.RepositoryRoot, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseUri.AbsoluteUri.TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress };
        using (var unauthorized = await client.GetAsync("api/assets/remote-metadata"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        }

        var waited = Stopwatch.StartNew();
        while (!(received.Contains("metrics") && received.Contains("traces")) && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
        }

        Assert.Contains("metrics", received);
        Assert.Contains("traces", received);
        var otlp = collector.Requests.First(r => r.PathAndQuery == "/v1/metrics");
        Assert.Equal("application/x-protobuf", otlp.Header("Content-Type"));
    }
}
