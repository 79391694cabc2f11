using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>
/// A named source whose BaseUrl is private (an internal CivitAI mirror on loopback, by name), private networks blocked,
/// and a redirector playing a public host: only CivitAI's own requests may reach the mirror.
/// </summary>
public sealed class TrustedOriginFixture : IAsyncLifetime
{
    public FakeHost Mirror { get; private set; } = null!;

    public FakeHost Redirector { get; private set; } = null!;

    public SecurityGateway Gateway { get; private set; } = null!;

    public string MirrorOrigin => CivitAiMirror.Origin(Mirror);

    public string RedirectorOrigin => $"http://public.test:{Redirector.BaseUri.Port}";

    public async Task InitializeAsync()
    {
        Mirror = await CivitAiMirror.StartAsync(modelId: 70);
        Redirector = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/redirect", ["GET", "HEAD"], (string to) => Results.Redirect(to)));
        Gateway = new SecurityGateway(new()
        {
            ["Egress:AllowPrivateNetworks"] = "false",
            ["Egress:TimeoutSeconds"] = "2",
            ["Egress:AllowedPorts:0"] = "80",
            ["Egress:AllowedPorts:1"] = "443",
            // Both fakes' ports are allowed: only the trust and address checks stand between a URL and the mirror.
            ["Egress:AllowedPorts:2"] = Mirror.BaseUri.Port.ToString(CultureInfo.InvariantCulture),
            ["Egress:AllowedPorts:3"] = Redirector.BaseUri.Port.ToString(CultureInfo.InvariantCulture),
            ["Sources:CivitAI:BaseUrl"] = MirrorOrigin,
        }, new LoopbackResolver(new() { ["civitai.internal"] = [IPAddress.Loopback] }), publicNames: ["public.test"]);
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Mirror.DisposeAsync();
        await Redirector.DisposeAsync();
    }
}

public sealed class TrustedOriginTests(TrustedOriginFixture fixture) : IClassFixture<TrustedOriginFixture>
{
    [Fact]
    public async Task RemoteMetadata_NamedSourceWithPrivateBaseUrl_ReachesItWithPrivateNetworksBlocked()
    {
        var (status, _, body) = await fixture.Gateway.ProbeAsync("https://civitai.com/api/download/models/701");

        Assert.True(status == 200, body);
        Assert.Contains("\"format\":\"SafeTensor\"", body, StringComparison.Ordinal);
        Assert.Single(fixture.Mirror.RequestsTo("/api/v1/model-versions/701"));
        Assert.Equal("bytes=0-102399", Assert.Single(fixture.Mirror.RequestsTo("/api/download/models/701")).Header("Range"));
    }

    [Fact]
    public async Task RemoteMetadata_UserUrlNamingTheTrustedOrigin_RefusedEvenOverThePooledConnection()
    {
        // The source's own probe leaves a pooled connection to the mirror behind; the user's URL must not ride it.
        var (named, _, _) = await fixture.Gateway.ProbeAsync("https://civitai.com/api/download/models/702");
        var served = fixture.Mirror.Requests.Count;

        var (status, code, body) = await fixture.Gateway.ProbeAsync($"{fixture.MirrorOrigin}/api/download/models/702");

        Assert.Equal(200, named);
        Assert.True((status, code) == (422, "INVALID_HOST"), body);
        Assert.Equal(served, fixture.Mirror.Requests.Count);
    }

    [Fact]
    public async Task RemoteMetadata_PublicHostRedirectingIntoTheTrustedOrigin_Refused()
    {
        var (named, _, _) = await fixture.Gateway.ProbeAsync("https://civitai.com/api/download/models/703");
        var served = fixture.Mirror.Requests.Count;
        var target = $"{fixture.MirrorOrigin}/api/download/models/703";

        var (status, code, body) = await fixture.Gateway.ProbeAsync($"{fixture.RedirectorOrigin}/redirect?to={Uri.EscapeDataString(target)}");

        Assert.Equal(200, named);
        Assert.True((status, code) == (422, "INVALID_HOST"), body);
        Assert.Single(fixture.Redirector.Requests); // the redirector was reached: the refusal is the trust check
        Assert.Equal(served, fixture.Mirror.Requests.Count);
    }
}
