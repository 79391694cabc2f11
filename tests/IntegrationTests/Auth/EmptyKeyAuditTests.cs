using System.Net;
using Microsoft.Extensions.Logging.Testing;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Auth;

/// <summary>An empty <c>X-API-Key</c> is no key: its 401 is audited as a missing key, like a request without the header.</summary>
public sealed class EmptyKeyAuditTests
{
    [Fact]
    public async Task RemoteMetadata_EmptyKeyHeader_AuditedAsMissingKey()
    {
        var logs = new FakeLogCollector();
        await using var gateway = new GatewayFactory(logs: new FakeLoggerProvider(logs));
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/assets/remote-metadata?url=https%3A%2F%2Ffiles.example.com%2Fa.safetensors");
        request.Headers.TryAddWithoutValidation("X-API-Key", string.Empty);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var audited = Assert.Single(logs.GetSnapshot(), r => r.Category == "ModelGateway.Audit");
        Assert.Equal("MissingApiKey", audited.Id.Name);
    }
}
