using System.Net;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.PolicyProfiles;

/// <summary><c>GET /api/assets/policy</c>: each key sees the policy its requests are judged by, and its rate limit.</summary>
public sealed class PolicyEndpointTests : IAsyncLifetime
{
    private GatewayFactory Gateway { get; set; } = null!;

    public Task InitializeAsync()
    {
        Gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Policy:AllowedFormats:0"] = "SafeTensor",
            ["Policy:AllowedFormats:1"] = "GGUF",
            ["Policy:BlockedHosts:0"] = "Files.Example.COM.",
            ["PolicyProfiles:strict:AllowedFormats:0"] = "SafeTensor",
            ["PolicyProfiles:strict:MaxSizeBytes"] = "25000000000",
            ["PolicyProfiles:strict:AllowedHosts:0"] = "huggingface.co",
            ["PolicyProfiles:strict:AllowedHosts:1"] = "*.civitai.com",
            ["PolicyProfiles:strict:AllowedModelTypes:0"] = "loras",
            ["PolicyProfiles:strict:AllowedModelTypes:1"] = "vae",
            ["PolicyProfiles:strict:BlockedHosts:0"] = "mirror.example.org",
            ["PolicyProfiles:strict:UnverifiedContent"] = "Deny",
            ["PolicyProfiles:strict:UnknownSize"] = "Deny",
            ["ApiKeys:1:PermitLimit"] = "30",
            ["RateLimiting:PermitLimit"] = "120",
            ["RateLimiting:WindowSeconds"] = "90",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Gateway.DisposeAsync();

    [Fact]
    public async Task KeyWithoutProfile_TheBasePolicyAndTheDefaultLimit()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);

        using var response = await client.GetAsync("/api/assets/policy");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            "{\"key_name\":\"default-team\",\"allowed_formats\":[\"SafeTensor\",\"GGUF\"],\"max_size_bytes\":0,\"allowed_hosts\":[],"
            + "\"blocked_hosts\":[\"files.example.com\"],\"allowed_model_types\":[],\"unverified_content\":\"Warn\",\"unknown_size\":\"Warn\","
            + "\"rate_limit\":{\"limit\":120,\"window_seconds\":90}}",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task KeyWithProfile_TheProfileOverTheBaseAndTheKeysOwnLimit()
    {
        using var client = Gateway.CreateClient(TestKeys.Strict);

        using var response = await client.GetAsync("/api/assets/policy");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            "{\"key_name\":\"strict-team\",\"profile\":\"strict\",\"allowed_formats\":[\"SafeTensor\"],\"max_size_bytes\":25000000000,"
            + "\"allowed_hosts\":[\"huggingface.co\",\"*.civitai.com\"],\"blocked_hosts\":[\"files.example.com\",\"mirror.example.org\"],"
            + "\"allowed_model_types\":[\"loras\",\"vae\"],\"unverified_content\":\"Deny\",\"unknown_size\":\"Deny\","
            + "\"rate_limit\":{\"limit\":30,\"window_seconds\":90}}",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NoKey_401()
    {
        using var client = Gateway.CreateClient(apiKey: null);

        using var response = await client.GetAsync("/api/assets/policy");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
