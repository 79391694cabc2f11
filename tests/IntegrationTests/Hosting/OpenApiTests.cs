using System.Net;
using System.Text.Json;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Hosting;

/// <summary><c>/openapi/v1.json</c> describes the gateway's endpoints as docs/api.md does: fields, parameters, codes.</summary>
public sealed class OpenApiTests
{
    // docs/api.md, "200: the file's facts and the verdict".
    private static readonly string[] ContractFields =
        ["content_length", "content_type", "filename", "name", "tags", "preview_image", "final_url", "format", "sha256", "validation", "pickle_scan"];

    [Fact]
    public async Task Document_NoKey_AssetMetadataResponseListsExactlyTheContractsFields()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);

        using var response = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var metadata = schemas.GetProperty("AssetMetadataResponse");
        Assert.Equal(ContractFields, metadata.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["content_length", "tags", "validation"], metadata.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        // Absent values are omitted, never null; a number is a number.
        Assert.Equal("string", metadata.GetProperty("properties").GetProperty("sha256").GetProperty("type").GetString());
        Assert.Equal("integer", metadata.GetProperty("properties").GetProperty("content_length").GetProperty("type").GetString());
        Assert.Equal(["is_valid", "errors", "warnings"], schemas.GetProperty("ValidationResponse").GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["code", "message", "field"], schemas.GetProperty("ValidationIssue").GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["code", "message"], schemas.GetProperty("ErrorResponse").GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Document_HostChosenByTheClient_NotReflectedInServers()
    {
        // Row 10 of the fail-closed review: Host: attacker.example was reflected into servers.
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        request.Headers.Host = "attacker.example";

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("attacker.example", text, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(text);
        Assert.Equal(["/"], document.RootElement.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("url").GetString()));
    }

    [Fact]
    public async Task Document_RemoteMetadata_UrlParameterKeyAndEveryStatusWithItsCodes()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        var operation = document.RootElement.GetProperty("paths").GetProperty("/api/assets/remote-metadata").GetProperty("get");
        var url = Assert.Single(operation.GetProperty("parameters").EnumerateArray());
        Assert.Equal(("url", "query", true), (url.GetProperty("name").GetString(), url.GetProperty("in").GetString(), url.GetProperty("required").GetBoolean()));
        var responses = operation.GetProperty("responses");
        Assert.Equal(["200", "400", "401", "422", "429", "500", "503"], responses.EnumerateObject().Select(r => r.Name));
        Assert.Equal("#/components/schemas/AssetMetadataResponse", Schema(responses, "200"));
        foreach (var status in new[] { "400", "401", "422", "429", "500", "503" })
        {
            Assert.Equal("#/components/schemas/ErrorResponse", Schema(responses, status));
        }
        Assert.Equal("The request itself: INVALID_URL, INVALID_URL_FORMAT, UNSUPPORTED_SOURCE, INVALID_HOST.",
            responses.GetProperty("400").GetProperty("description").GetString());
        Assert.Equal("What the source or the network did: RESOURCE_NOT_FOUND, UNAUTHORIZED_SOURCE, USER_TOKEN_ACCESS_DENIED, " +
            "ACCESS_FORBIDDEN, RATE_LIMITED, SOURCE_SERVER_ERROR, NETWORK_TIMEOUT, CONNECTION_REFUSED, INVALID_HOST, NETWORK_ERROR, " +
            "METADATA_FETCH_FAILED, HTTP_ERROR.", responses.GetProperty("422").GetProperty("description").GetString());
        var scheme = document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal(("apiKey", "header", "X-API-Key"),
            (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString()));
        var bearer = document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal(("http", "bearer"), (bearer.GetProperty("type").GetString(), bearer.GetProperty("scheme").GetString()));
        // Operator endpoints are not part of the API.
        Assert.Equal(new[] { "/api/assets/remote-metadata", "/api/assets/download", "/api/assets/policy", "/api/assets", "/api/assets/from-hash",
            "/api/assets/hash/{hash}", "/api/assets/{id}", "/api/assets/{id}/content", "/api/tags", "/api/tasks/{id}", "/api/tasks/{id}/cancel",
            "/api/admin/decisions", "/api/tasks/{id}/progress" }.Order(StringComparer.Ordinal),
            document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Document_Download_GetAndHeadWithTheVerdictCodesAndContentChanged()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        var path = document.RootElement.GetProperty("paths").GetProperty("/api/assets/download");
        Assert.Equal(["get", "head", "post"], path.EnumerateObject().Select(o => o.Name)); // post: the library's import (AssetLibrary)
        var responses = path.GetProperty("get").GetProperty("responses");
        Assert.Equal(["200", "206", "304", "400", "401", "403", "416", "422", "429", "500", "503"], responses.EnumerateObject().Select(r => r.Name));
        Assert.True(responses.GetProperty("200").GetProperty("content").TryGetProperty("application/octet-stream", out _));
        Assert.Equal("The caller's policy refuses the file; the code is the verdict's first error: FORMAT_NOT_ALLOWED, FILE_TOO_LARGE, " +
            "UNSAFE_PICKLE_SCAN, UNSAFE_VIRUS_SCAN, MODEL_TYPE_NOT_SUPPORTED, FORMAT_UNVERIFIED, SIZE_UNKNOWN, UNSUPPORTED_SOURCE.",
            responses.GetProperty("403").GetProperty("description").GetString());
        Assert.EndsWith("HTTP_ERROR, CONTENT_CHANGED.", responses.GetProperty("422").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("url", Assert.Single(path.GetProperty("get").GetProperty("parameters").EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Document_Policy_EffectivePolicySchema()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        var responses = document.RootElement.GetProperty("paths").GetProperty("/api/assets/policy").GetProperty("get").GetProperty("responses");
        Assert.Equal(["200", "401", "429", "500", "503"], responses.EnumerateObject().Select(r => r.Name));
        Assert.Equal("#/components/schemas/EffectivePolicyResponse", Schema(responses, "200"));
    }

    private static string? Schema(JsonElement responses, string status) =>
        responses.GetProperty(status).GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();
}
