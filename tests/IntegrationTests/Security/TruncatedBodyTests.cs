namespace ModelGateway.IntegrationTests.Security;

/// <summary>Upstreams that announce a body and close the connection after part of it.</summary>
public sealed class TruncatedBodyTests
{
    private const string Truncated = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"id\": 1, ";

    [Fact]
    public async Task RemoteMetadata_CivitAiApiBodyCutShort_NetworkError()
    {
        await using var server = new RawHttpServer(async (c, ct) => await c.WriteAsync(Truncated, ct));
        await using var gateway = CivitAiOn(server);

        var (status, code, body) = await gateway.ProbeAsync("https://civitai.com/api/download/models/1");

        Assert.True((status, code) == (422, "NETWORK_ERROR"), body);
    }

    [Fact]
    public async Task RemoteMetadata_CivitAiErrorBodyCutShort_StatusStillDecides()
    {
        await using var server = new RawHttpServer(async (c, ct) => await c.WriteAsync(
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"error\": ", ct));
        await using var gateway = CivitAiOn(server);

        var (status, code, body) = await gateway.ProbeAsync("https://civitai.com/api/download/models/1");

        Assert.True((status, code) == (422, "RESOURCE_NOT_FOUND"), body);
        Assert.Contains("CivitAI answered 404 for model version 1.", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoteMetadata_HuggingFaceRepoApiBodyCutShort_FileFactsStillAnswered()
    {
        await using var server = new RawHttpServer(async (c, ct) => await c.WriteAsync(c.IsHead
            ? "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1234\r\nConnection: close\r\n\r\n"
            : Truncated, ct));
        await using var gateway = new SecurityGateway(new()
        {
            ["Egress:AllowPrivateNetworks"] = "true",
            ["Policy:VerifyContent"] = "false",
            ["Sources:HuggingFace:BaseUrl"] = server.Url(string.Empty).TrimEnd('/'),
        }, new LoopbackResolver([]));

        var (status, _, body) = await gateway.ProbeAsync("https://huggingface.co/org/repo/resolve/main/model.safetensors");

        Assert.True(status == 200, body);
        Assert.Contains("\"content_length\":1234", body, StringComparison.Ordinal);
    }

    private static SecurityGateway CivitAiOn(RawHttpServer server) => new(new()
    {
        ["Egress:AllowPrivateNetworks"] = "true",
        ["Sources:CivitAI:BaseUrl"] = server.Url(string.Empty).TrimEnd('/'),
    }, new LoopbackResolver([]));
}
