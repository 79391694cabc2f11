using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.Egress;

namespace ModelGateway.UnitTests.Egress;

public sealed class EgressClientTests
{
    [Fact]
    public async Task SendAsync_CrossHostRedirect_DropsCredentialsEvenWhenCallbackAddsThem()
    {
        var handler = new StubHandler(r => r.RequestUri!.Host == "api.example.com"
            ? StubHandler.Redirect("https://storage.example.net/blob?sig=1")
            : new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler);

        using var response = await client.SendAsync(new EgressRequest(HttpMethod.Get, new Uri("https://api.example.com/file"), m =>
        {
            m.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret-token");
            m.Headers.Add("Cookie", "session=1");
        }) { BlockedHosts = [] }, CancellationToken.None);

        var seen = handler.Seen.ToArray();
        Assert.Equal(2, seen.Length);
        Assert.Equal("Bearer secret-token", seen[0].Authorization);
        Assert.Equal("session=1", seen[0].Cookie);
        Assert.Equal("https://storage.example.net/blob?sig=1", seen[1].Url.AbsoluteUri);
        Assert.Null(seen[1].Authorization);
        Assert.Null(seen[1].Cookie);
        Assert.Equal(["https://api.example.com/file", "https://storage.example.net/blob?sig=1"], response.Hops.Select(h => h.AbsoluteUri));
    }

    [Theory]
    [InlineData("http://api.example.com/file")]      // scheme downgrade
    [InlineData("https://api.example.com:8443/file")] // other port
    [InlineData("https://API.example.com.evil.net/file")]
    public async Task SendAsync_RedirectToOtherOrigin_DropsAuthorization(string location)
    {
        var handler = new StubHandler(r => r.RequestUri!.AbsolutePath == "/start"
            ? StubHandler.Redirect(location)
            : new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler, new EgressOptions { AllowedPorts = [80, 443, 8443] });

        using var _ = await client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://api.example.com/start"),
            m => m.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t")) { BlockedHosts = [] }, CancellationToken.None);

        var seen = handler.Seen.ToArray();
        Assert.Equal("Bearer t", seen[0].Authorization);
        Assert.Null(seen[1].Authorization);
    }

    [Fact]
    public async Task SendAsync_SameOriginRedirect_KeepsWhatCallbackAdds()
    {
        var handler = new StubHandler(r => r.RequestUri!.AbsolutePath == "/a"
            ? StubHandler.Redirect("/b")
            : new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler);

        using var _ = await client.SendAsync(new EgressRequest(HttpMethod.Get, new Uri("https://api.example.com/a"), m =>
        {
            m.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t");
            m.Headers.Range = new RangeHeaderValue(0, 0);
        }) { BlockedHosts = [] }, CancellationToken.None);

        var seen = handler.Seen.ToArray();
        Assert.Equal(["Bearer t", "Bearer t"], seen.Select(s => s.Authorization));
        Assert.Equal(["bytes=0-0", "bytes=0-0"], seen.Select(s => s.Range));
        Assert.Equal("https://api.example.com/b", seen[1].Url.AbsoluteUri);
    }

    [Theory]
    [InlineData("http://127.0.0.1/admin", nameof(EgressFailure.PrivateAddress))]
    [InlineData("http://2130706433/admin", nameof(EgressFailure.PrivateAddress))]
    [InlineData("http://0x7f.1/admin", nameof(EgressFailure.PrivateAddress))]
    [InlineData("http://[::1]/admin", nameof(EgressFailure.PrivateAddress))]
    [InlineData("http://[::ffff:169.254.169.254]/latest", nameof(EgressFailure.PrivateAddress))]
    [InlineData("http://169.254.169.254/latest/meta-data/", nameof(EgressFailure.PrivateAddress))]
    [InlineData("http://10.1.2.3/", nameof(EgressFailure.PrivateAddress))]
    [InlineData("http://localhost/", nameof(EgressFailure.PrivateAddress))]
    [InlineData("http://redis.localhost./", nameof(EgressFailure.PrivateAddress))]
    [InlineData("//127.0.0.1/", nameof(EgressFailure.PrivateAddress))]
    [InlineData("file:///etc/passwd", nameof(EgressFailure.BadTarget))]
    [InlineData("gopher://example.com:70/", nameof(EgressFailure.BadTarget))]
    [InlineData("ftp://example.com/x", nameof(EgressFailure.BadTarget))]
    [InlineData("https://user:pass@example.net/x", nameof(EgressFailure.BadTarget))]
    [InlineData("http://example.net:22/", nameof(EgressFailure.BadTarget))]
    [InlineData("http://example.net:6379/", nameof(EgressFailure.BadTarget))]
    public async Task SendAsync_RedirectToForbiddenTarget_FailsWithoutRequestingIt(string location, string failure)
    {
        var handler = new StubHandler(_ => StubHandler.Redirect(location));
        var client = Client(handler);

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://files.example.com/model.safetensors")) { BlockedHosts = [] }, CancellationToken.None));

        Assert.Equal(Enum.Parse<EgressFailure>(failure), ex.Failure);
        Assert.Single(handler.Seen);
    }

    [Fact]
    public async Task SendAsync_RedirectFromPublicHostToTrustedOrigin_RefusedAsPrivate()
    {
        var handler = new StubHandler(r => r.RequestUri!.Host == "files.example.com"
            ? StubHandler.Redirect("http://127.0.0.1:9000/mirror/model.safetensors")
            : new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler, trusted: [new Uri("http://127.0.0.1:9000/")]);

        var ex = await Assert.ThrowsAsync<EgressException>(() => client.SendAsync(
            new EgressRequest(HttpMethod.Head, new Uri("https://files.example.com/m")) { BlockedHosts = [], Trusted = true }, CancellationToken.None));

        Assert.Equal(EgressFailure.PrivateAddress, ex.Failure);
        Assert.Equal(["files.example.com"], handler.Seen.Select(r => r.Url.Host));
    }

    [Fact]
    public async Task SendAsync_TrustedRequestOnItsTrustedOrigin_AllowedOnAnyPortAndAddressAndMarkedForTheConnector()
    {
        var marks = new List<bool>();
        var handler = new StubHandler(r =>
        {
            marks.Add(r.Options.TryGetValue(EgressHopGuard.TrustedHop, out var trusted) && trusted);
            return r.RequestUri!.AbsolutePath == "/m" ? StubHandler.Redirect("/mirror/model.safetensors") : new HttpResponseMessage(HttpStatusCode.OK);
        });
        var client = Client(handler, trusted: [new Uri("http://127.0.0.1:9000/")]);

        using var response = await client.SendAsync(
            new EgressRequest(HttpMethod.Head, new Uri("http://127.0.0.1:9000/m")) { BlockedHosts = [], Trusted = true }, CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("http://127.0.0.1:9000/mirror/model.safetensors", response.FinalUrl.AbsoluteUri);
        Assert.Equal([true, true], marks);
    }

    [Fact]
    public async Task SendAsync_UntrustedRequestToTrustedOrigin_RefusedBeforeSending()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler, trusted: [new Uri("http://127.0.0.1:9000/")]);

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("http://127.0.0.1:9000/m")) { BlockedHosts = [] }, CancellationToken.None));

        Assert.Equal(EgressFailure.PrivateAddress, ex.Failure);
        Assert.Empty(handler.Seen);
    }

    [Fact]
    public async Task SendAsync_TrustedRequestRedirectedToAnotherTrustedOrigin_Refused()
    {
        var handler = new StubHandler(_ => StubHandler.Redirect("http://10.0.0.5:8080/x"));
        var client = Client(handler, trusted: [new Uri("http://127.0.0.1:9000/"), new Uri("http://10.0.0.5:8080/")]);

        var ex = await Assert.ThrowsAsync<EgressException>(() => client.SendAsync(
            new EgressRequest(HttpMethod.Head, new Uri("http://127.0.0.1:9000/m")) { BlockedHosts = [], Trusted = true }, CancellationToken.None));

        Assert.Equal(EgressFailure.PrivateAddress, ex.Failure);
        Assert.Single(handler.Seen);
    }

    [Fact]
    public async Task SendAsync_UntrustedRequestToTrustedOriginName_RefusedWithoutResolvingOrSending()
    {
        // A pooled connection a trusted request opened to the mirror would skip the connect-time address check.
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK));
        var resolver = new TableResolver(new() { ["mirror.internal"] = [IPAddress.Parse("10.0.0.5")] });
        var client = Client(handler, trusted: [new Uri("https://mirror.internal/")], resolver: resolver);

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://mirror.internal/m")) { BlockedHosts = [] }, CancellationToken.None));

        Assert.Equal(EgressFailure.HostUnreachable, ex.Failure);
        Assert.Equal("The host \"mirror.internal\" cannot be reached from this gateway.", ex.Message);
        Assert.Empty(resolver.Asked);
        Assert.Empty(handler.Seen);
    }

    [Fact]
    public async Task SendAsync_UntrustedRequestToPublicTrustedOrigin_Refused()
    {
        // Only the named source's own requests may use its origin, whatever its name resolves to.
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler, trusted: [new Uri("https://huggingface.co/")],
            resolver: new TableResolver(new() { ["huggingface.co"] = [IPAddress.Parse("8.8.8.8")] }));

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://huggingface.co/m")) { BlockedHosts = [] }, CancellationToken.None));

        Assert.Equal(EgressFailure.HostUnreachable, ex.Failure);
        Assert.Empty(handler.Seen);
    }

    [Fact]
    public async Task SendAsync_EgressProxySetAndUntrustedRequestToTrustedOrigin_RefusedBeforeTheProxySeesIt()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK));
        // The port is allowed: only the trust check stands between the URL and the mirror.
        var client = Client(handler, new EgressOptions { ProxyUrl = "http://proxy.corp:3128", AllowedPorts = [80, 443, 8080] },
            trusted: [new Uri("http://mirror.corp:8080/")]);

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            client.SendAsync(new EgressRequest(HttpMethod.Get, new Uri("http://mirror.corp:8080/m")) { BlockedHosts = [] }, CancellationToken.None));

        Assert.Equal(EgressFailure.HostUnreachable, ex.Failure);
        Assert.Empty(handler.Seen);
    }

    [Fact]
    public async Task SendAsync_EgressProxySetAndTrustedRequestOnItsOrigin_Sent()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler, new EgressOptions { ProxyUrl = "http://proxy.corp:3128" }, trusted: [new Uri("http://mirror.corp:8080/")]);

        using var response = await client.SendAsync(
            new EgressRequest(HttpMethod.Get, new Uri("http://mirror.corp:8080/m")) { BlockedHosts = [], Trusted = true }, CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        Assert.Single(handler.Seen);
    }

    [Fact]
    public async Task SendAsync_AllowPrivateNetworks_FollowsToLoopbackOnAnyPort()
    {
        var handler = new StubHandler(r => r.RequestUri!.Port == 5001
            ? StubHandler.Redirect("http://localhost:5002/x")
            : new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler, new EgressOptions { AllowPrivateNetworks = true });

        using var response = await client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("http://127.0.0.1:5001/x")) { BlockedHosts = [] }, CancellationToken.None);

        Assert.Equal("http://localhost:5002/x", response.FinalUrl.AbsoluteUri);
    }

    [Fact]
    public async Task SendAsync_FirstHopPrivateLiteral_RefusedWithoutRequest()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler);

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            client.SendAsync(new EgressRequest(HttpMethod.Get, new Uri("http://169.254.169.254/latest")) { BlockedHosts = [] }, CancellationToken.None));

        Assert.Equal(EgressFailure.PrivateAddress, ex.Failure);
        Assert.Empty(handler.Seen);
    }

    [Fact]
    public async Task SendAsync_RedirectLoop_HttpError()
    {
        var handler = new StubHandler(r => StubHandler.Redirect(r.RequestUri!.AbsolutePath == "/a" ? "/b" : "/a"));
        var client = Client(handler);

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://example.com/a")) { BlockedHosts = [] }, CancellationToken.None));

        Assert.Equal(EgressFailure.RedirectLoop, ex.Failure);
        Assert.Equal("The source redirects in a loop.", ex.Message);
        Assert.Equal(2, handler.Seen.Count);
    }

    [Fact]
    public async Task SendAsync_EndlessDistinctRedirects_StopsAtMaxRedirects()
    {
        var next = 0;
        var handler = new StubHandler(_ => StubHandler.Redirect($"/r/{Interlocked.Increment(ref next)}"));
        var client = Client(handler, new EgressOptions { MaxRedirects = 3 });

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://example.com/r/0")) { BlockedHosts = [] }, CancellationToken.None));

        Assert.Equal(EgressFailure.TooManyRedirects, ex.Failure);
        Assert.Equal("The source redirected more than 3 times.", ex.Message);
        Assert.Equal(4, handler.Seen.Count); // the first request and three redirects
    }

    [Fact]
    public async Task SendAsync_CallbackAsksForHttp3_NeverSentAsQuic()
    {
        Version? sent = null;
        HttpVersionPolicy? policy = null;
        var handler = new StubHandler(r =>
        {
            (sent, policy) = (r.Version, r.VersionPolicy);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        var client = Client(handler);

        using var _ = await client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://example.com/m"), m =>
        {
            m.Version = HttpVersion.Version30;
            m.VersionPolicy = HttpVersionPolicy.RequestVersionOrHigher;
        }) { BlockedHosts = [] }, CancellationToken.None);

        Assert.Equal(HttpVersion.Version20, sent);
        Assert.Equal(HttpVersionPolicy.RequestVersionOrLower, policy);
    }

    [Fact]
    public async Task SendAsync_CallbackChangesUrl_RefusedWithoutRequest()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler);

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.SendAsync(new EgressRequest(HttpMethod.Get,
            new Uri("https://example.com/m"), m => m.RequestUri = new Uri("http://127.0.0.1/admin")) { BlockedHosts = [] }, CancellationToken.None));

        Assert.Empty(handler.Seen);
    }

    [Fact]
    public async Task SendAsync_SeeOther_SwitchesToGet()
    {
        var handler = new StubHandler(r => r.Method == HttpMethod.Post
            ? StubHandler.Redirect("/result", HttpStatusCode.SeeOther)
            : new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler);

        using var _ = await client.SendAsync(new EgressRequest(HttpMethod.Post, new Uri("https://example.com/q")) { BlockedHosts = [] }, CancellationToken.None);

        Assert.Equal([HttpMethod.Post, HttpMethod.Get], handler.Seen.Select(s => s.Method));
    }

    [Fact]
    public async Task SendAsync_HeadersNeverArrive_NetworkTimeoutAfterConfiguredTime()
    {
        var time = new FakeTimeProvider();
        var handler = new StubHandler(async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        var client = Client(handler, new EgressOptions { TimeoutSeconds = 3 }, time: time);

        var sending = client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://slow.example.com/x")) { BlockedHosts = [] }, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(sending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<EgressException>(() => sending);
        Assert.Equal(EgressFailure.Timeout, ex.Failure);
        Assert.Equal("\"slow.example.com\" did not answer within 3 seconds.", ex.Message);
    }

    [Fact]
    public async Task SendAsync_CallerCancels_OperationCanceled()
    {
        var handler = new StubHandler(async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        var client = Client(handler);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://slow.example.com/x")) { BlockedHosts = [] }, cts.Token));
    }

    [Fact]
    public async Task ReadJsonBodyAsync_LargerThanMaxJsonBytes_BodyTooLarge()
    {
        var client = Client(new StubHandler(_ => new HttpResponseMessage
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("[" + new string('1', 2000) + "]"))),
        }), new EgressOptions { MaxJsonBytes = 1024 });
        using var response = await client.SendAsync(new EgressRequest(HttpMethod.Get, new Uri("https://api.example.com/json")) { BlockedHosts = [] },
            CancellationToken.None);

        var ex = await Assert.ThrowsAsync<EgressException>(() => response.ReadJsonBodyAsync(CancellationToken.None));

        Assert.Equal(EgressFailure.BodyTooLarge, ex.Failure);
        Assert.Equal("The source's answer is larger than 1024 bytes.", ex.Message);
    }

    [Theory]
    [InlineData(new[] { "images.example.net" }, new string[0])]
    [InlineData(new string[0], new[] { "*.example.com" })]
    public async Task SendAsync_FirstHopOutsideTheHostLists_RefusedBeforeAnythingIsSent(string[] blocked, string[] allowed)
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler);

        var ex = await Assert.ThrowsAsync<EgressException>(() => client.SendAsync(
            new EgressRequest(HttpMethod.Get, new Uri("https://images.example.net/preview.png")) { BlockedHosts = blocked, AllowedHosts = allowed },
            CancellationToken.None));

        Assert.Equal(EgressFailure.BlockedHost, ex.Failure);
        Assert.Equal("The source pointed at \"images.example.net\", a host the policy does not allow.", ex.Message);
        Assert.Empty(handler.Seen);
    }

    [Fact]
    public async Task SendAsync_RedirectOutsideTheAllowList_RefusedAndNeverSent()
    {
        var handler = new StubHandler(r => r.RequestUri!.Host == "files.example.com"
            ? StubHandler.Redirect("https://cdn.other.net/blob")
            : new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler);

        var ex = await Assert.ThrowsAsync<EgressException>(() => client.SendAsync(
            new EgressRequest(HttpMethod.Get, new Uri("https://files.example.com/m")) { BlockedHosts = [], AllowedHosts = ["*.example.com"] },
            CancellationToken.None));

        Assert.Equal(EgressFailure.BlockedHost, ex.Failure);
        Assert.Equal(["files.example.com"], handler.Seen.Select(s => s.Url.Host));
    }

    [Fact]
    public async Task SendAsync_TrustedHopOutsideTheHostLists_SentAndNotRecorded()
    {
        var handler = new StubHandler(r => r.RequestUri!.AbsolutePath == "/m"
            ? StubHandler.Redirect("https://storage.example.net/blob")
            : new HttpResponseMessage(HttpStatusCode.OK));
        var client = Client(handler, trusted: [new Uri("http://127.0.0.1:9000/")]);
        var trail = new HostTrail();

        using var response = await client.SendAsync(new EgressRequest(HttpMethod.Get, new Uri("http://127.0.0.1:9000/m"))
        {
            AllowedHosts = ["storage.example.net"], BlockedHosts = ["127.0.0.1"], Trusted = true, Trail = trail,
        }, CancellationToken.None);

        Assert.Equal(2, handler.Seen.Count); // the source's own origin is exempt; its redirect is not
        Assert.Equal(["storage.example.net"], trail.Hosts);
    }

    [Fact]
    public async Task SendAsync_Trail_EveryHostOnceInOrderNormalized()
    {
        var handler = new StubHandler(r => r.RequestUri!.AbsolutePath switch
        {
            "/a" => StubHandler.Redirect("https://b.example.com/b"),
            "/b" => StubHandler.Redirect("https://B.Example.com./c"),
            "/c" => StubHandler.Redirect("https://a.example.com/d"),
            _ => new HttpResponseMessage(HttpStatusCode.OK),
        });
        var client = Client(handler);
        var trail = new HostTrail();

        using var response = await client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://a.example.com/a"))
        {
            BlockedHosts = [], Trail = trail,
        }, CancellationToken.None);

        Assert.Equal(4, handler.Seen.Count);
        Assert.Equal(["a.example.com", "b.example.com"], trail.Hosts);
    }

    [Fact]
    public async Task SendAsync_Trail_TargetOfAnUnfollowedRedirectRecordedButNotContacted()
    {
        var handler = new StubHandler(r => r.RequestUri!.AbsolutePath switch
        {
            "/resolve" => StubHandler.Redirect("/resolve-cache"),
            "/resolve-cache" => StubHandler.Redirect("https://cdn.example.net/file"),
            _ => new HttpResponseMessage(HttpStatusCode.OK),
        });
        var client = Client(handler);
        var trail = new HostTrail();

        using var response = await client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://hub.example.com/resolve"))
        {
            BlockedHosts = [], Redirects = RedirectMode.SameHostOnly, Trail = trail,
        }, CancellationToken.None);

        Assert.Equal(302, response.StatusCode);
        Assert.Equal(["hub.example.com"], handler.Seen.Select(s => s.Url.Host).Distinct());
        Assert.Equal(["hub.example.com", "cdn.example.net"], trail.Hosts);
    }

    private static EgressClient Client(StubHandler handler, EgressOptions? options = null, Uri[]? trusted = null, TimeProvider? time = null,
        IEgressResolver? resolver = null)
    {
        var monitor = new StaticOptionsMonitor<EgressOptions>(options ?? new EgressOptions());
        var guard = new EgressHopGuard(monitor, trusted ?? [], resolver ?? new TableResolver([]));
        return new EgressClient(new SingleHandlerFactory(handler), monitor, guard, time ?? TimeProvider.System, NullLogger<EgressClient>.Instance);
    }

    /// <summary>Every client it creates sends through the one stub handler, as the named client sends through its pooled one.</summary>
    private sealed class SingleHandlerFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
