using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Auth;

public sealed class ApiKeyTests : IAsyncLifetime
{
    private FakeHost _host = null!;
    private GatewayFactory Gateway { get; set; } = null!;

    public async Task InitializeAsync()
    {
        _host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () => Results.Bytes(new byte[4096], "application/octet-stream")));
        Gateway = new GatewayFactory();
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await _host.DisposeAsync();
    }

    private string MetadataPath => "/api/assets/remote-metadata?url=" + Uri.EscapeDataString(_host.Url("/files/model.safetensors").AbsoluteUri);

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["code", "message"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("UNAUTHORIZED", json.RootElement.GetProperty("code").GetString());
        Assert.Equal("A valid API key is required in the X-API-Key header or as Authorization: Bearer <key>.", json.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_NoKey_Unauthorized()
    {
        using var client = Gateway.CreateClient(apiKey: null);

        using var response = await client.GetAsync(MetadataPath);

        await AssertUnauthorizedAsync(response);
        Assert.Empty(_host.Requests);
    }

    [Theory]
    [InlineData("wrong-key")]
    [InlineData("TEST-KEY-DEFAULT")]
    [InlineData("test-key-default ")]
    [InlineData("ab2c9d1f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c")]
    public async Task RemoteMetadata_WrongKey_Unauthorized(string key)
    {
        using var client = Gateway.CreateClient(key);

        using var response = await client.GetAsync(MetadataPath);

        await AssertUnauthorizedAsync(response);
        Assert.Empty(_host.Requests);
    }

    [Fact]
    public async Task RemoteMetadata_KeyHashInsteadOfKey_Unauthorized()
    {
        using var client = Gateway.CreateClient(TestKeys.Sha256Hex(TestKeys.Default));

        using var response = await client.GetAsync(MetadataPath);

        await AssertUnauthorizedAsync(response);
    }

    [Fact]
    public async Task RemoteMetadata_EmptyKey_Unauthorized()
    {
        using var client = Gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, MetadataPath);
        request.Headers.TryAddWithoutValidation("X-API-Key", string.Empty);

        using var response = await client.SendAsync(request);

        await AssertUnauthorizedAsync(response);
    }

    [Theory]
    [InlineData(TestKeys.Default, TestKeys.Default)]
    [InlineData(TestKeys.Default, TestKeys.Strict)]
    [InlineData("wrong-key", TestKeys.Default)]
    public async Task RemoteMetadata_TwoKeyHeaders_Unauthorized(string first, string second)
    {
        using var client = Gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, MetadataPath);
        request.Headers.Add("X-API-Key", [first, second]);

        using var response = await client.SendAsync(request);

        await AssertUnauthorizedAsync(response);
        Assert.Empty(_host.Requests);
    }

    [Theory]
    [InlineData(TestKeys.Default)]
    [InlineData(TestKeys.Strict)]
    public async Task RemoteMetadata_RightKey_Ok(string key)
    {
        using var client = Gateway.CreateClient(key);

        using var response = await client.GetAsync(MetadataPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(4096, json.RootElement.GetProperty("content_length").GetInt64());
        Assert.DoesNotContain(_host.Requests, r => r.Headers.ContainsKey("X-API-Key"));
    }

    [Fact]
    public void DevelopmentConfig_QuickStartKey_HashesToConfiguredHash()
    {
        var development = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(GatewayFactory.RepositoryRoot, "config", "appsettings.Development.json"), optional: false, reloadOnChange: false)
            .Build();

        Assert.Equal("dev", development["ApiKeys:0:Name"]);
        Assert.Equal(TestKeys.Sha256Hex("dev-gateway-key"), development["ApiKeys:0:KeySha256"]);
    }

    [Fact]
    public async Task Healthz_NoKey_Ok()
    {
        using var client = Gateway.CreateClient(apiKey: null);

        using var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
