using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Metadata;

public sealed class SmokeTests
{
    [Fact]
    public async Task RemoteMetadata_GenericHost_ReportsSizeAndName()
    {
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () =>
                Results.Bytes(new byte[1234], "application/octet-stream", enableRangeProcessing: true)));
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(TestKeys.Default);

        var response = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(host.Url("files/model.safetensors").AbsoluteUri));

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(1234, json.RootElement.GetProperty("content_length").GetInt64());
        Assert.Equal("model.safetensors", json.RootElement.GetProperty("filename").GetString());
    }
}
