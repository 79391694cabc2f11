using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> is the gateway key as <c>X-API-Key</c> is (Hugging Face clients send their
/// token so), on every endpoint and route; <c>X-API-Key</c> wins when both are sent; neither leaves the gateway.
/// </summary>
public sealed class BearerKeyTests : IAsyncLifetime
{
    private FakeHost _host = null!;
    private GatewayFactory Gateway { get; set; } = null!;

    public async Task InitializeAsync()
    {
        _host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () => Results.Bytes(new byte[4096], "application/octet-stream")));
        Gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:fake:ClusterId"] = "fake",
            ["ReverseProxy:Routes:fake:Match:Path"] = "/fake/{**rest}",
            ["ReverseProxy:Routes:fake:Transforms:0:PathRemovePrefix"] = "/fake",
            ["ReverseProxy:Clusters:fake:Destinations:d1:Address"] = _host.BaseUri.AbsoluteUri,
        });
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await _host.DisposeAsync();
    }

    private string MetadataPath => "/api/assets/remote-metadata?url=" + Uri.EscapeDataString(_host.Url("/files/model.safetensors").AbsoluteUri);

    [Theory]
    [InlineData("Bearer")]
    [InlineData("bearer")]
    public async Task RemoteMetadata_BearerKey_Authenticated(string scheme)
    {
        using var client = Gateway.CreateClient(apiKey: null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, TestKeys.Default);

        using var response = await client.GetAsync(MetadataPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"per-key\";q=100000;w=60", string.Join(", ", response.Headers.GetValues("RateLimit-Policy")));
    }

    [Theory]
    [InlineData("Bearer", "wrong-key")]
    [InlineData("Basic", TestKeys.Default)]
    [InlineData("Bearer", "")]
    public async Task RemoteMetadata_WrongBearerOrOtherScheme_Unauthorized(string scheme, string key)
    {
        using var client = Gateway.CreateClient(apiKey: null);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"{scheme} {key}");

        using var response = await client.GetAsync(MetadataPath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_host.Requests);
    }

    [Fact]
    public async Task RemoteMetadata_ApiKeyHeaderWinsOverBearer()
    {
        using var valid = Gateway.CreateClient(TestKeys.Default);
        valid.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "someone-elses-token");
        using var wrong = Gateway.CreateClient("wrong-key");
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.Default);

        using var validAnswer = await valid.GetAsync(MetadataPath);
        using var wrongAnswer = await wrong.GetAsync(MetadataPath);

        Assert.Equal(HttpStatusCode.OK, validAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAnswer.StatusCode);
    }

    [Fact]
    public async Task Forward_BearerKey_AcceptedAndStrippedBeforeLeaving()
    {
        using var client = Gateway.CreateClient(apiKey: null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.Default);

        using var response = await client.GetAsync("/fake/files/model.safetensors");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(_host.Requests);
        Assert.Null(forwarded.Header("Authorization"));
        Assert.DoesNotContain(forwarded.Headers.Values, v => v.Contains(TestKeys.Default, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forward_ApiKeyAndSomeonesAuthorization_NeitherLeaves()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");

        using var response = await client.GetAsync("/fake/files/model.safetensors");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(_host.Requests);
        Assert.Null(forwarded.Header("Authorization"));
        Assert.Null(forwarded.Header("X-API-Key"));
    }
}
