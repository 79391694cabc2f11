using System.Net;
using System.Text.Json;

namespace ModelGateway.IntegrationTests.Infrastructure;

/// <summary>Requests to the gateway's own endpoints, and its error answers, as the tests write and read them.</summary>
public static class GatewayRequests
{
    /// <summary>GET /api/assets/remote-metadata for <paramref name="url"/>.</summary>
    public static string MetadataPath(Uri url) => MetadataPath(url.AbsoluteUri);

    /// <summary>GET /api/assets/remote-metadata for <paramref name="url"/>.</summary>
    public static string MetadataPath(string url) => "/api/assets/remote-metadata?url=" + Uri.EscapeDataString(url);

    /// <summary>GET /api/assets/remote-metadata for <paramref name="url"/>: the status and the parsed body.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> MetadataAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(MetadataPath(url));
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.Clone());
    }

    /// <summary>An error answer's JSON <c>code</c> and <c>message</c>.</summary>
    public static async Task<(string Code, string Message)> ErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (json.RootElement.GetProperty("code").GetString()!, json.RootElement.GetProperty("message").GetString()!);
    }
}
