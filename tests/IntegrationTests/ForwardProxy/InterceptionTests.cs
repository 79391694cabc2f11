using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Sources.HuggingFace;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.ForwardProxy;

/// <summary>
/// Inside an intercepted tunnel, as .NET's own HttpClient sees it (it sends proxy credentials only after a 407, as
/// Chromium does): the model hosts' APIs forwarded through their routes with the organisation's token instead of the
/// client's, downloads with Range and HEAD as on the routes, nothing of the key upstream, and a request for another
/// host than the tunnel's refused.
/// </summary>
public sealed class InterceptionTests(ForwardProxyHosts hosts) : IClassFixture<ForwardProxyHosts>
{
    [Fact]
    public async Task HttpClient_AfterA407Challenge_ApiForwardedWithTheOrgTokenNeverTheClientsOrTheKey()
    {
        hosts.CivitAi.AddDownload(8301, "api-8301.safetensors", SafeTensors(1000, seed: 8301));
        using var client = Client(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://civitai.com/api/v1/model-versions/8301");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "users-own-civitai-token");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"id\":8301", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var forwarded = hosts.CivitAi.Api.RequestsTo("/api/v1/model-versions/8301").Last();
        Assert.Equal("Bearer " + CivitAiToken, forwarded.Header("Authorization"));
        Assert.Null(forwarded.Header("X-API-Key"));
        Assert.Null(forwarded.Header("Proxy-Authorization"));
        Assert.DoesNotContain(hosts.CivitAi.Api.Requests, r => r.Headers.Values.Any(v => v.Contains(TestKeys.Default, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task HuggingFace_HeadAndRange_AsOnTheRoute()
    {
        var file = SafeTensors(200_000, seed: 8302);
        const string path = "/owner/repo/resolve/main/loras/intercepted-8302.safetensors";
        var sha256 = hosts.HuggingFace.ServeFile(path, file);
        using var client = Client(TestKeys.Default);

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "https://huggingface.co" + path));
        using var range = new HttpRequestMessage(HttpMethod.Get, "https://huggingface.co" + path);
        range.Headers.Range = new RangeHeaderValue(0, 9);
        using var partial = await client.SendAsync(range);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal($"\"{sha256}\"", head.Headers.GetValues("X-Linked-Etag").Single());
        Assert.Equal(FakeHuggingFace.Commit, head.Headers.GetValues("X-Repo-Commit").Single());
        Assert.Null(head.Headers.Location);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(file[..10], await partial.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task WrongKey_407AndNothingReachesTheHosts()
    {
        using var client = Client("not-a-key");
        var before = hosts.CivitAi.Api.Requests.Count;

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("https://civitai.com/api/v1/model-versions/1"));

        Assert.Equal(HttpRequestError.ProxyTunnelError, failure.HttpRequestError);
        Assert.Equal(before, hosts.CivitAi.Api.Requests.Count);
    }

    [Fact]
    public async Task RequestForAnotherHostInTheTunnel_421()
    {
        await using var tcp = await RawProxyClient.ConnectAsync(hosts.ProxyPort);
        Assert.Equal(200, (await tcp.SendConnectAsync("civitai.com:443", RawProxyClient.Basic(TestKeys.Default))).Status);
        await using var tls = new SslStream(tcp.Stream, leaveInnerStreamOpen: true, (_, certificate, _, _) => TrustedByTheCa(certificate));
        await tls.AuthenticateAsClientAsync("civitai.com");

        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /api/v1/model-versions/1 HTTP/1.1\r\nHost: huggingface.co\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(tls);
        var answer = await reader.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 421 Misdirected Request\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("{\"code\":\"INVALID_HOST\",\"message\":\"This tunnel is for \\\"civitai.com\\\"; the request names another host.\"}", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsServerNameOtherThanTheConnectHost_ConnectionEnded()
    {
        await using var tcp = await RawProxyClient.ConnectAsync(hosts.ProxyPort);
        Assert.Equal(200, (await tcp.SendConnectAsync("civitai.com:443", RawProxyClient.Basic(TestKeys.Default))).Status);
        await using var tls = new SslStream(tcp.Stream, leaveInnerStreamOpen: true, (_, certificate, _, _) => TrustedByTheCa(certificate));
        await tls.AuthenticateAsClientAsync("huggingface.co");

        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /api/v1/model-versions/1 HTTP/1.1\r\nHost: huggingface.co\r\n\r\n"));
        var buffer = new byte[1024];

        Assert.Equal(0, await ReadOrEndAsync(tls, buffer));
    }

    private static async Task<int> ReadOrEndAsync(Stream stream, byte[] buffer)
    {
        try
        {
            return await stream.ReadAsync(buffer);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private HttpClient Client(string key)
    {
        var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy($"http://127.0.0.1:{hosts.ProxyPort}") { Credentials = new NetworkCredential("user", key) },
            UseProxy = true,
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, _) => TrustedByTheCa(certificate) },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    private bool TrustedByTheCa(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(hosts.CaFile));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
