using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>
/// <c>Egress:ProxyUrl</c> set to a real forward proxy (which resolves names itself), a named source whose BaseUrl is
/// private behind it, private networks blocked: the proxy carries user URLs to public hosts and the source's own
/// requests to its mirror, but never a user URL or a redirect into the mirror.
/// </summary>
public sealed class EgressProxyFixture : IAsyncLifetime
{
    public FakeHost Mirror { get; private set; } = null!;

    public FakeHost Files { get; private set; } = null!;

    public LoopbackForwardProxy Proxy { get; private set; } = null!;

    public SecurityGateway Gateway { get; private set; } = null!;

    public string MirrorOrigin => CivitAiMirror.Origin(Mirror);

    public string FilesOrigin => $"http://models.example.com:{Files.BaseUri.Port}";

    public async Task InitializeAsync()
    {
        Mirror = await CivitAiMirror.StartAsync(modelId: 80);
        Files = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/model.safetensors", ["GET", "HEAD"], () => Results.Bytes(CivitAiMirror.File, "application/octet-stream", enableRangeProcessing: true));
            app.MapMethods("/redirect", ["GET", "HEAD"], (string to) => Results.Redirect(to));
        });
        Proxy = await LoopbackForwardProxy.StartAsync(["civitai.internal", "models.example.com"]);
        Gateway = new SecurityGateway(new()
        {
            ["Egress:AllowPrivateNetworks"] = "false",
            ["Egress:TimeoutSeconds"] = "2",
            ["Egress:ProxyUrl"] = $"http://proxy.internal:{Proxy.Port}",
            ["Egress:AllowedPorts:0"] = "80",
            ["Egress:AllowedPorts:1"] = "443",
            // Both fakes' ports are allowed: only the trust check stands between a user URL and the mirror.
            ["Egress:AllowedPorts:2"] = Mirror.BaseUri.Port.ToString(CultureInfo.InvariantCulture),
            ["Egress:AllowedPorts:3"] = Files.BaseUri.Port.ToString(CultureInfo.InvariantCulture),
            ["Sources:CivitAI:BaseUrl"] = MirrorOrigin,
            ["MetadataCache:Enabled"] = "false",
        }, new LoopbackResolver(new() { ["proxy.internal"] = [IPAddress.Loopback] }));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Proxy.DisposeAsync();
        await Mirror.DisposeAsync();
        await Files.DisposeAsync();
    }
}

public sealed class EgressProxyTests(EgressProxyFixture fixture) : IClassFixture<EgressProxyFixture>
{
    private const string Unreachable = """{"code":"INVALID_HOST","message":"The host \"civitai.internal\" cannot be reached from this gateway."}""";

    [Fact]
    public async Task RemoteMetadata_UserUrlOnPublicHost_GoesThroughTheProxy()
    {
        var url = $"{fixture.FilesOrigin}/model.safetensors";

        var (status, _, body) = await fixture.Gateway.ProbeAsync(url);

        Assert.True(status == 200, body);
        Assert.Contains($"\"content_length\":{CivitAiMirror.File.Length}", body, StringComparison.Ordinal);
        Assert.Contains("\"format\":\"SafeTensor\"", body, StringComparison.Ordinal);
        Assert.Contains(url, fixture.Proxy.Requested);
        Assert.NotEmpty(fixture.Files.RequestsTo("/model.safetensors"));
    }

    [Fact]
    public async Task RemoteMetadata_NamedSourceWithPrivateBaseUrl_ReachesItThroughTheProxy()
    {
        var (status, _, body) = await fixture.Gateway.ProbeAsync("https://civitai.com/api/download/models/801");

        Assert.True(status == 200, body);
        Assert.Contains("\"format\":\"SafeTensor\"", body, StringComparison.Ordinal);
        Assert.Contains($"{fixture.MirrorOrigin}/api/v1/model-versions/801", fixture.Proxy.Requested);
        Assert.Contains($"{fixture.MirrorOrigin}/api/download/models/801", fixture.Proxy.Requested);
    }

    [Fact]
    public async Task RemoteMetadata_UserUrlNamingThePrivateBaseUrl_RefusedAndTheProxySeesNothing()
    {
        var asked = fixture.Proxy.Requested.Count;
        var served = fixture.Mirror.Requests.Count;

        var (status, _, body) = await fixture.Gateway.ProbeAsync($"{fixture.MirrorOrigin}/api/download/models/802");

        Assert.Equal(422, status);
        Assert.Equal(Unreachable, body);
        Assert.Equal(asked, fixture.Proxy.Requested.Count);
        Assert.Equal(served, fixture.Mirror.Requests.Count);
    }

    [Fact]
    public async Task RemoteMetadata_PublicHostRedirectingIntoThePrivateBaseUrl_RefusedAfterTheFirstHop()
    {
        var asked = fixture.Proxy.Requested.Count;
        var served = fixture.Mirror.Requests.Count;
        var target = $"{fixture.MirrorOrigin}/api/download/models/803";
        var url = $"{fixture.FilesOrigin}/redirect?to={Uri.EscapeDataString(target)}";

        var (status, _, body) = await fixture.Gateway.ProbeAsync(url);

        Assert.Equal(422, status);
        Assert.Equal(Unreachable, body);
        Assert.Equal([url], fixture.Proxy.Requested.Skip(asked)); // the redirector only
        Assert.Equal(served, fixture.Mirror.Requests.Count);
    }
}
