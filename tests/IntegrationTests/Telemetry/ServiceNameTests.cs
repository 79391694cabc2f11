using System.Net;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Telemetry;

/// <summary>The service name on the gateway's telemetry: <c>model-gateway</c>, unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
public sealed class ServiceNameTests
{
    [Theory]
    [InlineData(null, "model-gateway")]
    [InlineData("egress-west", "egress-west")]
    public async Task Metrics_TargetInfo_CarriesTheServiceName(string? configured, string expected)
    {
        var settings = GatewayFactory.DefaultSettings();
        settings["OTEL_SERVICE_NAME"] = configured;
        await using var gateway = new GatewayFactory(settings);
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var targetInfo = Assert.Single(text.Split('\n'), line => line.StartsWith("target_info{", StringComparison.Ordinal));
        Assert.Contains($"service_name=\"{expected}\"", targetInfo, StringComparison.Ordinal);
    }
}
