using System.Globalization;
using System.Net;
using System.Text;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Security;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.ForwardProxy;

/// <summary>
/// The forward proxy's rules as a client meets them: a key in <c>Proxy-Authorization</c> or 407; model hosts
/// intercepted, tunnel hosts relayed, Xet hosts and unlisted hosts refused, private addresses never reached; a PAC file
/// on the main listener; tunnels bounded per key, idle ones and silent connections closed.
/// </summary>
public sealed class ProxyRulesTests(ForwardProxyHosts hosts) : IClassFixture<ForwardProxyHosts>
{
    private static readonly string[] Curl = ["--silent", "--show-error"];

    [Fact]
    public async Task Connect_NoKey_407WithProxyAuthenticate()
    {
        await using var client = await RawProxyClient.ConnectAsync(hosts.ProxyPort);

        var answer = await client.SendConnectAsync("civitai.com:443", proxyAuthorization: null);

        Assert.Equal(407, answer.Status);
        Assert.Equal("Basic realm=\"model-gateway\", charset=\"UTF-8\"", answer.Headers["Proxy-Authenticate"]);
        Assert.Equal("UNAUTHORIZED", answer.Code);
        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Connect_WrongKeyOrUnreadableCredentials_407()
    {
        foreach (var credentials in new[] { RawProxyClient.Basic("not-a-key"), "Bearer not-a-key", "Digest username=\"x\"", "Basic %%%" })
        {
            await using var client = await RawProxyClient.ConnectAsync(hosts.ProxyPort);
            var answer = await client.SendConnectAsync("huggingface.co:443", credentials);
            Assert.Equal((407, "UNAUTHORIZED"), (answer.Status, answer.Code));
        }
    }

    [Fact]
    public async Task Curl_NoKeyInTheProxyUrl_TunnelFailsWith407()
    {
        var run = await ClientRun.RunAsync("curl", [.. Curl, "--cacert", hosts.CaFile, "https://civitai.com/api/download/models/1"],
            new Dictionary<string, string> { ["https_proxy"] = hosts.ProxyUrl(key: null) });

        Assert.Equal(56, run.ExitCode); // CURLE_RECV_ERROR: the CONNECT was answered with an error
        Assert.Contains("407", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_KeyAsBearerOrAsTheUserName_Accepted()
    {
        foreach (var credentials in new[] { "Bearer " + TestKeys.Default, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(TestKeys.Default + ":")) })
        {
            await using var client = await RawProxyClient.ConnectAsync(hosts.ProxyPort);
            var answer = await client.SendConnectAsync($"{ForwardProxyHosts.TunnelHost}:{hosts.Tunnel.BaseUri.Port}", credentials);
            Assert.Equal(200, answer.Status);
        }
    }

    [Fact]
    public async Task TunnelHost_RelayedWithoutDecryptionAndAudited()
    {
        var url = $"http://{ForwardProxyHosts.TunnelHost}:{hosts.Tunnel.BaseUri.Port}/hello";

        // -p: a CONNECT tunnel even for http, so what curl gets came through the relay, byte for byte.
        var run = await ClientRun.RunAsync("curl", [.. Curl, "--fail", "--proxytunnel", "--proxy", hosts.ProxyUrl(TestKeys.Default), url],
            new Dictionary<string, string>());

        Assert.Equal((0, "tunnelled hello"), (run.ExitCode, run.Output));
        Assert.Contains(hosts.Tunnel.Requests, r => r.PathAndQuery == "/hello" && r.Header("Proxy-Authorization") is null);
        await AssertEventuallyAsync(() => hosts.Audit("ProxyTunnelClosed").Any(e => Field(e, "Host") == ForwardProxyHosts.TunnelHost
            && Field(e, "KeyName") == "default-team" && Field(e, "Mode") == "relay" && long.Parse(Field(e, "BytesToClient")!, CultureInfo.InvariantCulture) > 0));
        Assert.Contains(hosts.Audit("ProxyTunnelOpened"), e => Field(e, "Host") == ForwardProxyHosts.TunnelHost && Field(e, "Mode") == "relay");
    }

    [Fact]
    public async Task UnlistedHost_403UnsupportedSourceAndAudited()
    {
        await using var client = await RawProxyClient.ConnectAsync(hosts.ProxyPort);

        var answer = await client.SendConnectAsync("example.org:443", RawProxyClient.Basic(TestKeys.Default));

        Assert.Equal((403, "UNSUPPORTED_SOURCE"), (answer.Status, answer.Code));
        Assert.Equal("\"example.org\" is neither a model host this gateway intercepts nor in ForwardProxy:TunnelHosts.", answer.Message);
        Assert.Contains(hosts.Audit("ProxyTunnelRefused"), e => Field(e, "Host") == "example.org" && Field(e, "StatusCode") == "403");
    }

    [Theory]
    [InlineData("cas-server.xethub.hf.co")]
    [InlineData("transfer.xethub.hf.co")]
    [InlineData("CAS-BRIDGE.XETHUB.HF.CO.")]
    public async Task XetHost_403EvenWhenListedAsATunnelHost(string host)
    {
        await using var client = await RawProxyClient.ConnectAsync(hosts.ProxyPort);

        var answer = await client.SendConnectAsync($"{host}:443", RawProxyClient.Basic(TestKeys.Default));

        Assert.Equal((403, "UNSUPPORTED_SOURCE"), (answer.Status, answer.Code));
        Assert.Contains("Xet", answer.Message, StringComparison.Ordinal);
        Assert.Contains("HF_HUB_DISABLE_XET=1", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelHost_OnAnotherPortThan443_403()
    {
        await using var client = await RawProxyClient.ConnectAsync(hosts.ProxyPort);

        var answer = await client.SendConnectAsync("civitai.com:8443", RawProxyClient.Basic(TestKeys.Default));

        Assert.Equal((403, "UNSUPPORTED_SOURCE"), (answer.Status, answer.Code));
    }

    [Theory]
    [InlineData("CONNECT civitai.com HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT user@civitai.com:443 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT civitai.com:443 HTTP/2.0\r\n\r\n")]
    [InlineData("CONNECT civitai.com:99999 HTTP/1.1\r\n\r\n")]
    public async Task MalformedConnect_400(string request)
    {
        await using var client = await RawProxyClient.ConnectAsync(hosts.ProxyPort);
        await client.Stream.WriteAsync(Encoding.ASCII.GetBytes(request));

        var answer = await client.ReadAnswerAsync();

        Assert.Equal((400, "INVALID_URL_FORMAT"), (answer.Status, answer.Code));
    }

    [Fact]
    public async Task AbsoluteFormHttp_ModelHostInterceptedOtherHostsRefused()
    {
        var file = SafeTensors(90_000, seed: 8201);
        hosts.CivitAi.AddDownload(8201, "plain-8201.safetensors", file);
        var output = Path.Combine(Path.GetTempPath(), $"gw-proxy-{Guid.NewGuid():N}.bin");
        try
        {
            var run = await ClientRun.RunAsync("curl", [.. Curl, "--fail", "--proxy", hosts.ProxyUrl(TestKeys.Default), "--output", output,
                "http://civitai.com/api/download/models/8201"], new Dictionary<string, string>());
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(Sha256(file), Sha256(await File.ReadAllBytesAsync(output)));
        }
        finally
        {
            File.Delete(output);
        }

        var unlisted = await ClientRun.RunAsync("curl", [.. Curl, "--write-out", "%{http_code}", "--output", "/dev/null",
            "--proxy", hosts.ProxyUrl(TestKeys.Default), $"http://{ForwardProxyHosts.TunnelHost}:{hosts.Tunnel.BaseUri.Port}/hello"], new Dictionary<string, string>());
        var noKey = await ClientRun.RunAsync("curl", [.. Curl, "--write-out", "%{http_code}", "--output", "/dev/null",
            "--proxy", hosts.ProxyUrl(key: null), "http://civitai.com/api/download/models/8201"], new Dictionary<string, string>());
        Assert.Equal(("403", "407"), (unlisted.Output, noKey.Output));
        Assert.DoesNotContain(hosts.Tunnel.Requests, r => r.Header("Proxy-Authorization") is not null);
    }

    [Fact]
    public async Task OriginFormRequestOnTheProxyListener_400AndNoEndpointReached()
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{hosts.ProxyPort}/") };
        client.DefaultRequestHeaders.Add("X-API-Key", TestKeys.Default);

        using var response = await client.GetAsync("/api/assets/policy");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ProxyPac_OnTheMainListener_SendsTheServedHostsToTheProxy()
    {
        using var client = new HttpClient { BaseAddress = hosts.GatewayAddress };

        using var response = await client.GetAsync("/proxy.pac");
        var script = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ns-proxy-autoconfig", response.Content.Headers.ContentType?.MediaType);
        var proxy = $"PROXY 127.0.0.1:{hosts.ProxyPort}";
        foreach (var host in new[] { "civitai.com", "huggingface.co", "hf.co", ForwardProxyHosts.TunnelHost, "*.xethub.hf.co" })
        {
            Assert.Contains($"  if (shExpMatch(host, \"{host}\")) return \"{proxy}\";\n", script, StringComparison.Ordinal);
        }
        Assert.Contains("  return \"DIRECT\";", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivateAddresses_NeverTunnelled()
    {
        var settings = hosts.Settings();
        settings["Egress:AllowPrivateNetworks"] = "false";
        settings["ForwardProxy:TunnelHosts:3"] = "127.0.0.1";
        var resolver = new LoopbackResolver(new()
        {
            [ForwardProxyHosts.TunnelHost] = [IPAddress.Loopback],
            ["intranet.test"] = [IPAddress.Parse("10.0.0.1")],
        });
        var (gateway, _, proxyPort) = ForwardProxyHosts.Start(settings, resolver);
        await using var _ = gateway;
        var before = hosts.Tunnel.Requests.Count;

        foreach (var authority in new[] { $"{ForwardProxyHosts.TunnelHost}:443", "intranet.test:443", "127.0.0.1:443" })
        {
            await using var client = await RawProxyClient.ConnectAsync(proxyPort);
            var answer = await client.SendConnectAsync(authority, RawProxyClient.Basic(TestKeys.Default));
            Assert.Equal((403, "INVALID_HOST"), (answer.Status, answer.Code));
        }
        Assert.Equal(before, hosts.Tunnel.Requests.Count);
    }

    [Fact]
    public async Task TunnelHost_WithAnEgressProxy_OpenedThroughIt()
    {
        await using var egressProxy = new TunnelingEgressProxy([ForwardProxyHosts.TunnelHost]);
        var settings = hosts.Settings();
        settings["Egress:ProxyUrl"] = $"http://127.0.0.1:{egressProxy.Port}";
        settings["Egress:AllowPrivateNetworks"] = "false";
        settings["Egress:AllowedPorts:0"] = hosts.Tunnel.BaseUri.Port.ToString(CultureInfo.InvariantCulture);
        // No name resolves here: the egress proxy resolves the tunnel host, as it does for every probe.
        var (gateway, _, proxyPort) = ForwardProxyHosts.Start(settings, new LoopbackResolver([]));
        await using var _ = gateway;
        var authority = $"{ForwardProxyHosts.TunnelHost}:{hosts.Tunnel.BaseUri.Port}";

        var run = await ClientRun.RunAsync("curl", [.. Curl, "--fail", "--proxytunnel", "--proxy", $"http://user:{TestKeys.Default}@127.0.0.1:{proxyPort}",
            $"http://{authority}/hello"], new Dictionary<string, string>());
        await using var client = await RawProxyClient.ConnectAsync(proxyPort);
        var refused = await client.SendConnectAsync("intranet.test:" + hosts.Tunnel.BaseUri.Port.ToString(CultureInfo.InvariantCulture), RawProxyClient.Basic(TestKeys.Default));

        Assert.Equal((0, "tunnelled hello"), (run.ExitCode, run.Output));
        Assert.Equal((502, "CONNECTION_REFUSED"), (refused.Status, refused.Code));
        Assert.Equal([authority, "intranet.test:" + hosts.Tunnel.BaseUri.Port.ToString(CultureInfo.InvariantCulture)], egressProxy.Requested);
    }

    [Fact]
    public async Task Bounds_TunnelsPerKeyIdleTunnelsAndSilentConnections()
    {
        var settings = hosts.Settings();
        settings["ForwardProxy:MaxTunnelsPerKey"] = "1";
        settings["ForwardProxy:IdleTimeoutSeconds"] = "1";
        settings["ForwardProxy:HandshakeTimeoutSeconds"] = "1";
        var (gateway, _, proxyPort) = ForwardProxyHosts.Start(settings, new LoopbackResolver(new() { [ForwardProxyHosts.TunnelHost] = [IPAddress.Loopback] }));
        await using var _ = gateway;
        var tunnel = $"{ForwardProxyHosts.TunnelHost}:{hosts.Tunnel.BaseUri.Port}";

        await using var first = await RawProxyClient.ConnectAsync(proxyPort);
        Assert.Equal(200, (await first.SendConnectAsync(tunnel, RawProxyClient.Basic(TestKeys.Default))).Status);
        await using (var second = await RawProxyClient.ConnectAsync(proxyPort))
        {
            var refused = await second.SendConnectAsync(tunnel, RawProxyClient.Basic(TestKeys.Default));
            Assert.Equal((429, "RATE_LIMITED", "1"), (refused.Status, refused.Code, refused.Headers["Retry-After"]));
        }
        await using (var otherKey = await RawProxyClient.ConnectAsync(proxyPort))
        {
            Assert.Equal(200, (await otherKey.SendConnectAsync(tunnel, RawProxyClient.Basic(TestKeys.Strict))).Status);
        }

        // Nothing sent through the first tunnel: closed after the idle timeout, and its slot is free again.
        Assert.True(await first.ClosedWithinAsync(TimeSpan.FromSeconds(5)));
        await AssertEventuallyAsync(async () =>
        {
            await using var again = await RawProxyClient.ConnectAsync(proxyPort);
            return (await again.SendConnectAsync(tunnel, RawProxyClient.Basic(TestKeys.Default))).Status == 200;
        });

        // A connection that never sends its CONNECT is closed after the handshake timeout.
        await using var silent = await RawProxyClient.ConnectAsync(proxyPort);
        Assert.True(await silent.ClosedWithinAsync(TimeSpan.FromSeconds(5)));
    }

    internal static string? Field(Microsoft.Extensions.Logging.Testing.FakeLogRecord record, string name) =>
        ((IEnumerable<KeyValuePair<string, string?>>)record.StructuredState!).FirstOrDefault(p => p.Key == name).Value;

    internal static Task AssertEventuallyAsync(Func<bool> condition) => AssertEventuallyAsync(() => Task.FromResult(condition()));

    internal static async Task AssertEventuallyAsync(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail("The condition did not hold within 5 s.");
    }
}
