using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Testing;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Security;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.ForwardProxy;

/// <summary>
/// Who a request is from, on the proxy and on the main listener: a key-less client on a network an <c>ApiKeys</c> entry
/// names is that entry (a key sent explicitly always wins), and a flood of wrong keys from an address never refuses a
/// valid key from it. Clients connect from distinct loopback addresses, so the address is the TCP peer's.
/// </summary>
public sealed class ProxyCallerTests(ForwardProxyHosts hosts) : IClassFixture<ForwardProxyHosts>
{
    private static readonly IPAddress Office = IPAddress.Parse("127.0.0.5");
    private static readonly IPAddress Elsewhere = IPAddress.Parse("127.0.0.6");

    [Fact]
    public async Task KeylessClientOnAConfiguredNetwork_ServedAsThatEntry_ThroughTheProxyAndTheRoute()
    {
        var logs = new FakeLogCollector();
        var (gateway, address, proxyPort) = StartWithOfficeNetwork(logs);
        await using var _ = gateway;
        var file = SafeTensors(80_000, seed: 8401);
        const string path = "/owner/repo/resolve/main/loras/office-8401.safetensors";
        var sha256 = hosts.HuggingFace.ServeFile(path, file);
        var output = Path.Combine(Path.GetTempPath(), $"gw-proxy-{Guid.NewGuid():N}.bin");
        try
        {
            // curl from the office address, the proxy URL without any key: what ComfyUI-Manager's aria2c or a browser sends.
            var proxied = await ClientRun.RunAsync("curl", ["--silent", "--show-error", "--fail", "--interface", Office.ToString(), "--cacert", hosts.CaFile,
                "--output", output, "https://huggingface.co" + path], new Dictionary<string, string> { ["https_proxy"] = $"http://127.0.0.1:{proxyPort}" });
            Assert.True(proxied.ExitCode == 0, proxied.ToString());
            Assert.Equal(sha256, Sha256(await File.ReadAllBytesAsync(output)));
        }
        finally
        {
            File.Delete(output);
        }
        using var office = LoopbackClient.From(Office);
        using var routed = await office.GetAsync(new Uri(address, "/huggingface" + path));
        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
        Assert.Equal(sha256, Sha256(await routed.Content.ReadAsByteArrayAsync()));

        // The audit event follows the last byte.
        await ProxyRulesTests.AssertEventuallyAsync(() => logs.GetSnapshot().Count(r => r.Id.Name == "DownloadCompleted") == 2);
        Assert.Equal(["office-manager", "office-manager"],
            logs.GetSnapshot().Where(r => r.Id.Name == "DownloadCompleted").Select(r => ProxyRulesTests.Field(r, "KeyName")));
    }

    [Fact]
    public async Task KeylessClientElsewhere_407And401_AndAnExplicitKeyFromTheNetworkWins()
    {
        var logs = new FakeLogCollector();
        var (gateway, address, proxyPort) = StartWithOfficeNetwork(logs);
        await using var _ = gateway;

        await using (var elsewhere = await RawProxyClient.ConnectAsync(proxyPort, Elsewhere))
        {
            Assert.Equal(407, (await elsewhere.SendConnectAsync("civitai.com:443", null)).Status);
        }
        await using (var wrongKeyInTheOffice = await RawProxyClient.ConnectAsync(proxyPort, Office))
        {
            Assert.Equal(407, (await wrongKeyInTheOffice.SendConnectAsync("civitai.com:443", RawProxyClient.Basic("not-a-key"))).Status);
        }
        using var fromElsewhere = LoopbackClient.From(Elsewhere);
        using var keyless = await fromElsewhere.GetAsync(new Uri(address, "/api/assets/policy"));
        Assert.Equal(HttpStatusCode.Unauthorized, keyless.StatusCode);

        using var office = LoopbackClient.From(Office);
        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/api/assets/policy"));
        wrongKey.Headers.Add("X-API-Key", "not-a-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await office.SendAsync(wrongKey)).StatusCode);
        using var ownKey = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/api/assets/policy"));
        ownKey.Headers.Add("X-API-Key", TestKeys.Strict);
        using var policy = await office.SendAsync(ownKey);
        Assert.Contains("\"key_name\":\"strict-team\"", await policy.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var networkPolicy = await office.GetAsync(new Uri(address, "/api/assets/policy"));
        Assert.Contains("\"key_name\":\"office-manager\"", await networkPolicy.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HundredWrongKeysFromAnAddress_AValidKeyFromItStillServed_OnTheProxyAndTheMainListener()
    {
        var settings = hosts.Settings();
        settings["RateLimiting:FailedAuthPermitLimit"] = "20";
        var (gateway, address, proxyPort) = ForwardProxyHosts.Start(settings, new LoopbackResolver(new() { [ForwardProxyHosts.TunnelHost] = [IPAddress.Loopback] }));
        await using var _ = gateway;
        var flooder = IPAddress.Parse("127.0.0.7");

        var proxyStatuses = new List<int>();
        for (var i = 0; i < 100; i++)
        {
            await using var wrong = await RawProxyClient.ConnectAsync(proxyPort, flooder);
            proxyStatuses.Add((await wrong.SendConnectAsync("civitai.com:443", RawProxyClient.Basic($"wrong-{i}"))).Status);
        }
        using var client = LoopbackClient.From(flooder);
        var mainStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 100; i++)
        {
            using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/api/assets/policy"));
            wrong.Headers.Add("X-API-Key", $"main-wrong-{i}");
            mainStatuses.Add((await client.SendAsync(wrong)).StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(407, 20).Concat(Enumerable.Repeat(429, 80)), proxyStatuses);
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 100), mainStatuses);
        await using (var valid = await RawProxyClient.ConnectAsync(proxyPort, flooder))
        {
            Assert.Equal(200, (await valid.SendConnectAsync($"{ForwardProxyHosts.TunnelHost}:{hosts.Tunnel.BaseUri.Port}", RawProxyClient.Basic(TestKeys.Default))).Status);
        }
        using var validRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/api/assets/policy"));
        validRequest.Headers.Add("X-API-Key", TestKeys.Default);
        using var served = await client.SendAsync(validRequest);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        using var stillWrong = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/api/assets/policy"));
        stillWrong.Headers.Add("X-API-Key", "main-wrong-0");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(stillWrong)).StatusCode);
    }

    private (Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> Gateway, Uri Address, int ProxyPort) StartWithOfficeNetwork(FakeLogCollector logs)
    {
        var settings = hosts.Settings();
        settings["ApiKeys:3:Name"] = "office-manager";
        settings["ApiKeys:3:Networks:0"] = "127.0.0.5/32";
        settings["ApiKeys:3:Networks:1"] = "10.20.0.0/16";
        return ForwardProxyHosts.Start(settings, new LoopbackResolver(new() { [ForwardProxyHosts.TunnelHost] = [IPAddress.Loopback] }), new FakeLoggerProvider(logs));
    }
}
