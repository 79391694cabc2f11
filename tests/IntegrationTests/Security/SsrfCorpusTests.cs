using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>
/// An "internal" service on loopback — also the admin-trusted origin of a named source (<c>Sources:CivitAI:BaseUrl</c>)
/// and of a YARP destination, under other names — a redirector playing a public host, and a gateway with private
/// networks blocked whose resolver makes public-looking names point at loopback.
/// </summary>
public sealed class SsrfCorpusFixture : IAsyncLifetime
{
    public FakeHost Internal { get; private set; } = null!;

    public FakeHost Redirector { get; private set; } = null!;

    public SecurityGateway Gateway { get; private set; } = null!;

    public int InternalPort => Internal.BaseUri.Port;

    /// <summary>The redirector, by a name the gateway treats as a public host.</summary>
    public string RedirectorOrigin => $"http://redirector.test:{Redirector.BaseUri.Port}";

    public async Task InitializeAsync()
    {
        Internal = await FakeHost.StartAsync((app, _) =>
            app.Map("/{**rest}", () => Results.Text("internal secret")));
        Redirector = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/redirect", ["GET", "HEAD"], (string to) => Results.Redirect(to));
            app.MapMethods("/hop", ["GET", "HEAD"], (HttpContext c, string to) =>
                Results.Redirect("/redirect?to=" + Uri.EscapeDataString(to)));
            app.MapMethods("/file.safetensors", ["GET", "HEAD"], () => Results.Bytes(new byte[10], enableRangeProcessing: true));
        });
        var loopback = new[] { IPAddress.Loopback };
        var resolver = new LoopbackResolver(new()
        {
            ["redirector.test"] = loopback,
            ["internal.test"] = loopback,                                           // a public-looking name → loopback
            ["civitai.internal"] = loopback,                                        // trusted: CivitAI's BaseUrl
            ["yarp.internal"] = loopback,                                           // trusted: a YARP destination
            ["models.example.com"] = loopback,
            ["dual.test"] = [IPAddress.IPv6Loopback, IPAddress.Loopback],
            ["mixed.test"] = [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("169.254.169.254"), IPAddress.Loopback],
            ["metadata.test"] = [IPAddress.Parse("169.254.169.254")],
        });
        Gateway = new SecurityGateway(new()
        {
            ["Egress:AllowPrivateNetworks"] = "false",
            ["Egress:TimeoutSeconds"] = "2",
            ["Egress:AllowedPorts:0"] = "80",
            ["Egress:AllowedPorts:1"] = "443",
            // The fakes' random ports, so that only the address checks stand between a URL and the internal host.
            ["Egress:AllowedPorts:2"] = InternalPort.ToString(CultureInfo.InvariantCulture),
            ["Egress:AllowedPorts:3"] = Redirector.BaseUri.Port.ToString(CultureInfo.InvariantCulture),
            ["Sources:CivitAI:BaseUrl"] = $"http://civitai.internal:{InternalPort}",
            ["ReverseProxy:Clusters:internal:Destinations:d1:Address"] = $"http://yarp.internal:{InternalPort}/",
        }, resolver, publicNames: ["redirector.test"]);
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Internal.DisposeAsync();
        await Redirector.DisposeAsync();
    }
}

public sealed class SsrfCorpusTests(SsrfCorpusFixture fixture) : IClassFixture<SsrfCorpusFixture>
{
    private const string Redirect = "{redirect}";
    private const string Hop = "{hop}";

    /// <summary>
    /// SSRF payloads: {p} is the internal host's port; a row starting with {redirect} or {hop} is a URL on the public
    /// redirector that redirects (once, or twice) to the rest of the row.
    /// </summary>
    public static TheoryData<string, int, string> Corpus => new()
    {
        // literal loopback in every notation
        { "http://127.0.0.1:{p}/x", 400, "INVALID_HOST" },
        { "http://2130706433:{p}/x", 400, "INVALID_HOST" },
        { "http://0x7f000001:{p}/x", 400, "INVALID_HOST" },
        { "http://0X7F000001:{p}/x", 400, "INVALID_HOST" },
        { "http://0177.0.0.1:{p}/x", 400, "INVALID_HOST" },
        { "http://017700000001:{p}/x", 400, "INVALID_HOST" },
        { "http://127.1:{p}/x", 400, "INVALID_HOST" },
        { "http://0x7f.1:{p}/x", 400, "INVALID_HOST" },
        { "http://127.000.000.001:{p}/x", 400, "INVALID_HOST" },
        { "http://127.0.0.1.:{p}/x", 400, "INVALID_HOST" },
        { "http://127.9.9.9:{p}/x", 400, "INVALID_HOST" },
        { "http://[::1]:{p}/x", 400, "INVALID_HOST" },
        { "http://[0:0:0:0:0:0:0:1]:{p}/x", 400, "INVALID_HOST" },
        { "http://[::ffff:127.0.0.1]:{p}/x", 400, "INVALID_HOST" },
        { "http://[::ffff:7f00:1]:{p}/x", 400, "INVALID_HOST" },
        { "http://[0:0:0:0:0:ffff:7f00:1]:{p}/x", 400, "INVALID_HOST" },
        { "http://[::ffff:0:127.0.0.1]:{p}/x", 400, "INVALID_HOST" },
        { "http://[::127.0.0.1]:{p}/x", 400, "INVALID_HOST" },
        { "http://[64:ff9b::7f00:1]:{p}/x", 400, "INVALID_HOST" },
        { "http://[2002:7f00:1::]:{p}/x", 400, "INVALID_HOST" },
        { "http://0.0.0.0:{p}/x", 400, "INVALID_HOST" },
        { "http://0:{p}/x", 400, "INVALID_HOST" },
        { "http://[::]:{p}/x", 400, "INVALID_HOST" },
        // other internal ranges, cloud metadata
        { "http://169.254.169.254/latest/meta-data/iam/security-credentials/", 400, "INVALID_HOST" },
        { "http://[::ffff:169.254.169.254]/latest/meta-data/", 400, "INVALID_HOST" },
        { "http://2852039166/latest/meta-data/", 400, "INVALID_HOST" },
        { "http://10.0.0.1/", 400, "INVALID_HOST" },
        { "http://172.16.0.1/", 400, "INVALID_HOST" },
        { "http://192.168.0.1/", 400, "INVALID_HOST" },
        { "http://100.64.0.1/", 400, "INVALID_HOST" },
        { "http://[fd00::1]/", 400, "INVALID_HOST" },
        { "http://[fe80::1%25lo]:{p}/x", 400, "INVALID_HOST" },
        { "http://224.0.0.1/", 400, "INVALID_HOST" },
        // localhost in its spellings, IDNA look-alikes
        { "http://localhost:{p}/x", 400, "INVALID_HOST" },
        { "http://LocalHost.:{p}/x", 400, "INVALID_HOST" },
        { "http://internal.localhost:{p}/x", 400, "INVALID_HOST" },
        { "http://\u24DBocalhost:{p}/x", 400, "INVALID_HOST" },
        { "http://\uFF11\uFF12\uFF17.\uFF10.\uFF10.\uFF11:{p}/x", 400, "INVALID_HOST" },
        { "http://127\u30020\u30020\u30021:{p}/x", 400, "INVALID_HOST" },
        // malformed: userinfo, schemes, ports, controls, length, numbers that are no address, broken punycode
        { "http://user:pass@internal.test:{p}/x", 400, "INVALID_URL_FORMAT" },
        { "http://internal.test@127.0.0.1:{p}/x", 400, "INVALID_URL_FORMAT" },
        { "http://internal.test\\@127.0.0.1:{p}/x", 400, "INVALID_URL_FORMAT" },
        { "file:///etc/passwd", 400, "INVALID_URL_FORMAT" },
        { "gopher://127.0.0.1:{p}/_GET%20/", 400, "INVALID_URL_FORMAT" },
        { "dict://127.0.0.1:{p}/info", 400, "INVALID_URL_FORMAT" },
        { "ftp://127.0.0.1:{p}/", 400, "INVALID_URL_FORMAT" },
        { "//127.0.0.1:{p}/x", 400, "INVALID_URL_FORMAT" },
        { "127.0.0.1:{p}/x", 400, "INVALID_URL_FORMAT" },
        { "http://internal.test:22/", 400, "INVALID_URL_FORMAT" },
        { "http://internal.test:6379/", 400, "INVALID_URL_FORMAT" },
        { "http://internal.test:0/", 400, "INVALID_URL_FORMAT" },
        { "http://internal.test:99999/", 400, "INVALID_URL_FORMAT" },
        { "http://internal.test:/", 400, "INVALID_URL_FORMAT" },
        { "http://internal.test:{p}/x\r\nX-Injected: 1", 400, "INVALID_URL_FORMAT" },
        { "http://internal.test:{p}/x%0d%0aX-Injected:%201", 400, "INVALID_URL_FORMAT" },
        { "http://internal.test:{p}/x%00.safetensors", 400, "INVALID_URL_FORMAT" },
        { "http://inter\u200Bnal.test:{p}/x", 400, "INVALID_URL_FORMAT" },
        { "http://internal.test:{p}/" + new string('a', 2100), 400, "INVALID_URL_FORMAT" },
        { "http://999.1.1.1:{p}/x", 400, "INVALID_URL_FORMAT" },
        { "http://xn--zz:{p}/x", 400, "INVALID_URL_FORMAT" },
        { "", 400, "INVALID_URL" },
        // names that resolve to loopback or other blocked addresses (DNS rebinding: the checked address is the one used)
        { "http://internal.test:{p}/x", 422, "INVALID_HOST" },
        { "https://internal.test:{p}/x", 422, "INVALID_HOST" },
        { "http://INTERNAL.test.:{p}/x", 422, "INVALID_HOST" },
        { "http://models.example.com:{p}/model.safetensors", 422, "INVALID_HOST" },
        { "http://dual.test:{p}/x", 422, "INVALID_HOST" },
        { "http://mixed.test:{p}/x", 422, "INVALID_HOST" },
        { "http://metadata.test/latest/meta-data/", 422, "INVALID_HOST" },
        { "http://missing.invalid:{p}/x", 422, "INVALID_HOST" },
        { "http://127.0.0.1.nip.io:{p}/x", 422, "INVALID_HOST" },
        // admin-trusted origins named by a user's URL: only the named source's own requests may reach them
        { "http://civitai.internal:{p}/api/download/models/1", 422, "INVALID_HOST" },
        { "http://CIVITAI.internal.:{p}/api/v1/model-versions/1", 422, "INVALID_HOST" },
        { "http://yarp.internal:{p}/x", 422, "INVALID_HOST" },
        // redirects from a public host to internal ones, admin-trusted origins included
        { Redirect + "http://127.0.0.1:{p}/x", 422, "INVALID_HOST" },
        { Redirect + "http://2130706433:{p}/x", 422, "INVALID_HOST" },
        { Redirect + "http://[::ffff:127.0.0.1]:{p}/x", 422, "INVALID_HOST" },
        { Redirect + "http://localhost:{p}/x", 422, "INVALID_HOST" },
        { Redirect + "//127.0.0.1:{p}/x", 422, "INVALID_HOST" },
        { Redirect + "http://169.254.169.254/latest/meta-data/", 422, "INVALID_HOST" },
        { Redirect + "http://internal.test:{p}/x", 422, "INVALID_HOST" },
        { Redirect + "https://models.example.com:{p}/x", 422, "INVALID_HOST" },
        { Hop + "http://internal.test:{p}/x", 422, "INVALID_HOST" },
        { Redirect + "http://civitai.internal:{p}/api/download/models/1", 422, "INVALID_HOST" },
        { Hop + "http://civitai.internal:{p}/api/download/models/1", 422, "INVALID_HOST" },
        { Redirect + "http://yarp.internal:{p}/x", 422, "INVALID_HOST" },
        { Hop + "http://0x7f.1:{p}/x", 422, "INVALID_HOST" },
        { Redirect + "file:///etc/passwd", 422, "HTTP_ERROR" },
        { Redirect + "gopher://127.0.0.1:{p}/_x", 422, "HTTP_ERROR" },
        { Redirect + "http://user:pw@internal.test:{p}/x", 422, "HTTP_ERROR" },
        { Redirect + "http://internal.test:22/x", 422, "HTTP_ERROR" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task RemoteMetadata_SsrfPayload_RefusedAndInternalHostUntouched(string payload, int status, string code)
    {
        var url = Expand(payload);

        var (actualStatus, actualCode, body) = await fixture.Gateway.ProbeAsync(url);

        Assert.True(actualStatus == status && actualCode == code, $"{payload} → {actualStatus} {body}");
        Assert.Empty(fixture.Internal.Requests);
    }

    [Fact]
    public async Task RemoteMetadata_PublicRedirectorToItself_Answers()
    {
        var (direct, _, _) = await fixture.Gateway.ProbeAsync($"{fixture.RedirectorOrigin}/file.safetensors");
        var (redirected, _, body) = await fixture.Gateway.ProbeAsync(Expand(Redirect + $"{fixture.RedirectorOrigin}/file.safetensors"));

        // The corpus's refusals are the address checks, not a broken redirector.
        Assert.Equal(200, direct);
        Assert.Equal(200, redirected);
        Assert.Contains("\"content_length\":10", body, StringComparison.Ordinal);
        Assert.Empty(fixture.Internal.Requests);
    }

    [Fact]
    public async Task RemoteMetadata_NameResolvingToLoopback_RefusedByTheAddressCheckNotByDns()
    {
        var (status, code, body) = await fixture.Gateway.ProbeAsync($"http://internal.test:{fixture.InternalPort}/x");

        Assert.Equal(422, status);
        Assert.Equal("INVALID_HOST", code);
        Assert.Contains("The host \\\"internal.test\\\" cannot be reached from this gateway.", body, StringComparison.Ordinal);
        Assert.Empty(fixture.Internal.Requests);
    }

    private string Expand(string payload)
    {
        var text = payload.Replace("{p}", fixture.InternalPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        if (text.StartsWith(Redirect, StringComparison.Ordinal))
        {
            return $"{fixture.RedirectorOrigin}/redirect?to={Uri.EscapeDataString(text[Redirect.Length..])}";
        }
        if (text.StartsWith(Hop, StringComparison.Ordinal))
        {
            return $"{fixture.RedirectorOrigin}/hop?to={Uri.EscapeDataString(text[Hop.Length..])}";
        }
        return text;
    }
}
