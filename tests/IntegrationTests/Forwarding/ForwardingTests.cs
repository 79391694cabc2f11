using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Forwarding;

/// <summary>YARP forwarding to a real loopback file host, configured through the standard <c>ReverseProxy</c> keys.</summary>
public sealed class ForwardingTests : IAsyncLifetime
{
    private const string ETag = "\"v1-3f9a\"";
    private static readonly byte[] File = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 31 % 251)).ToArray();

    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FakeHost _host = null!;
    private GatewayFactory Gateway { get; set; } = null!;

    public async Task InitializeAsync()
    {
        _host = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () =>
                Results.Bytes(File, "application/octet-stream", "model.safetensors",
                    enableRangeProcessing: true, entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue(ETag)));
            app.MapGet("/echo", (HttpContext c) => Results.Text(c.Request.QueryString.Value ?? string.Empty));
            app.MapGet("/stream", async (HttpContext c) =>
            {
                c.Response.ContentType = "application/octet-stream";
                await c.Response.Body.WriteAsync(File.AsMemory(0, 1000));
                await c.Response.Body.FlushAsync();
                await _release.Task.WaitAsync(TimeSpan.FromSeconds(10));
                await c.Response.Body.WriteAsync(File.AsMemory(1000, 1000));
            });
            // Answers nothing (no status, no headers) until the client leaves or 30 s pass.
            app.MapGet("/stall", async (HttpContext c) =>
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // the gateway gave up: what the test expects
                }
            });
        });
        Gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:fake:ClusterId"] = "fake",
            ["ReverseProxy:Routes:fake:AuthorizationPolicy"] = "ApiKey",
            ["ReverseProxy:Routes:fake:Match:Path"] = "/fake/{**rest}",
            ["ReverseProxy:Routes:fake:Transforms:0:PathRemovePrefix"] = "/fake",
            ["ReverseProxy:Clusters:fake:Destinations:d1:Address"] = _host.BaseUri.AbsoluteUri,
        });
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await _host.DisposeAsync();
    }

    private RecordedRequest LastRequest => _host.Requests.Last();

    [Fact]
    public async Task Forward_FullGet_BodyIdenticalAndHeadersKept()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);

        using var response = await client.GetAsync("/fake/files/model.safetensors");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(File, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(File.Length, response.Content.Headers.ContentLength);
        Assert.Equal(ETag, response.Headers.ETag?.ToString());
        Assert.Equal("bytes", Assert.Single(response.Headers.AcceptRanges));
        Assert.Equal("model.safetensors", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal("/files/model.safetensors", LastRequest.PathAndQuery);
    }

    [Fact]
    public async Task Forward_QueryString_PassedThrough()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);

        var echoed = await client.GetStringAsync("/fake/echo?a=1&b=%20x");

        Assert.Equal("?a=1&b=%20x", echoed);
    }

    [Fact]
    public async Task Forward_RangeRequest_PartialContentWithRightBytes()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fake/files/model.safetensors");
        request.Headers.Range = new RangeHeaderValue(1000, 1999);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 1000-1999/{File.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(File.AsSpan(1000, 1000).ToArray(), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes=1000-1999", LastRequest.Header("Range"));
    }

    [Fact]
    public async Task Forward_SuffixRange_LastBytes()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fake/files/model.safetensors");
        request.Headers.Range = new RangeHeaderValue(null, 10);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {File.Length - 10}-{File.Length - 1}/{File.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(File[^10..], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Forward_IfNoneMatchCurrentETag_NotModified()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fake/files/model.safetensors");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(ETag));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(ETag, response.Headers.ETag?.ToString());
        Assert.Equal(ETag, LastRequest.Header("If-None-Match"));
    }

    [Fact]
    public async Task Forward_IfNoneMatchOldETag_FullBody()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fake/files/model.safetensors");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"v0\""));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(File, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Forward_IfRangeStaleETag_WholeFileInsteadOfRange()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fake/files/model.safetensors");
        request.Headers.Range = new RangeHeaderValue(0, 9);
        request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"v0\""));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(File.Length, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Forward_ApiKey_StrippedBeforeLeaving()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);

        using var response = await client.GetAsync("/fake/files/model.safetensors");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(LastRequest.Header("X-API-Key"));
        Assert.DoesNotContain(LastRequest.Headers.Values, v => v.Contains(TestKeys.Default, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forward_NoForwardingHeadersAdded()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);

        using var response = await client.GetAsync("/fake/files/model.safetensors");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertNoForwardingHeaders(LastRequest);
    }

    [Fact]
    public async Task Forward_ClientSentForwardingHeaders_NotPassedOn()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fake/files/model.safetensors");
        request.Headers.Add("X-Forwarded-For", "10.1.2.3");
        request.Headers.Add("X-Forwarded-Host", "intranet.corp");
        request.Headers.Add("X-Forwarded-Proto", "http");
        request.Headers.Add("X-Forwarded-Prefix", "/internal");
        request.Headers.Add("X-Real-IP", "10.1.2.3");
        request.Headers.Add("Forwarded", "for=10.1.2.3;host=intranet.corp");
        request.Headers.Add("X-Custom", "kept");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertNoForwardingHeaders(LastRequest);
        Assert.Equal("kept", LastRequest.Header("X-Custom"));
    }

    [Fact]
    public async Task Forward_NoKey_UnauthorizedAndNothingForwarded()
    {
        using var client = Gateway.CreateClient(apiKey: null);

        using var response = await client.GetAsync("/fake/files/model.safetensors");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("\"code\":\"UNAUTHORIZED\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_host.Requests);
    }

    [Fact]
    public async Task Forward_WrongKey_UnauthorizedAndNothingForwarded()
    {
        using var client = Gateway.CreateClient("not-a-key");

        using var response = await client.GetAsync("/fake/files/model.safetensors");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_host.Requests);
    }

    [Fact]
    public async Task Forward_SlowBody_StreamedBeforeUpstreamFinishes()
    {
        using var client = Gateway.CreateClient(TestKeys.Default);

        using var response = await client.GetAsync("/fake/stream", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[1000];
        await body.ReadExactlyAsync(first).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        _release.SetResult();
        var rest = new byte[1000];
        await body.ReadExactlyAsync(rest);

        Assert.Equal(File[..1000], first);
        Assert.Equal(File[1000..2000], rest);
    }

    [Theory]
    [InlineData("/civitai/api/v1/models/4201")]
    [InlineData("/huggingface/org/repo/resolve/main/model.safetensors")]
    public async Task ShippedRoutes_NoKey_Unauthorized(string path)
    {
        using var client = Gateway.CreateClient(apiKey: null);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("\"code\":\"UNAUTHORIZED\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forward_UpstreamRefusesConnection_502WithErrorBody()
    {
        int closedPort;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:down:ClusterId"] = "down",
            ["ReverseProxy:Routes:down:AuthorizationPolicy"] = "ApiKey",
            ["ReverseProxy:Routes:down:Match:Path"] = "/down/{**rest}",
            ["ReverseProxy:Clusters:down:Destinations:d1:Address"] = $"http://127.0.0.1:{closedPort}/",
        });
        using var client = gateway.CreateClient(TestKeys.Default);

        using var response = await client.GetAsync("/down/model.safetensors");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"code\":\"NETWORK_ERROR\",\"message\":\"The upstream could not be reached or broke off the answer.\"}",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forward_UpstreamDoesNotAnswerInTime_504WithErrorBody()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:slow:ClusterId"] = "slow",
            ["ReverseProxy:Routes:slow:AuthorizationPolicy"] = "ApiKey",
            ["ReverseProxy:Routes:slow:Match:Path"] = "/slow/{**rest}",
            ["ReverseProxy:Routes:slow:Transforms:0:PathRemovePrefix"] = "/slow",
            ["ReverseProxy:Clusters:slow:HttpRequest:ActivityTimeout"] = "00:00:01",
            ["ReverseProxy:Clusters:slow:Destinations:d1:Address"] = _host.BaseUri.AbsoluteUri,
        });
        using var client = gateway.CreateClient(TestKeys.Default);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        using var response = await client.GetAsync("/slow/stall");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"code\":\"NETWORK_TIMEOUT\",\"message\":\"The upstream did not answer in time.\"}",
            await response.Content.ReadAsStringAsync());
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(15)); // the cluster's 1 s, not the fake's 30 s
        Assert.Equal("/stall", LastRequest.PathAndQuery); // the upstream was asked
    }

    [Fact]
    public async Task Forward_ClusterWithoutDestinations_503WithErrorBody()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:empty:ClusterId"] = "empty",
            ["ReverseProxy:Routes:empty:AuthorizationPolicy"] = "ApiKey",
            ["ReverseProxy:Routes:empty:Match:Path"] = "/empty/{**rest}",
            ["ReverseProxy:Clusters:empty:LoadBalancingPolicy"] = "FirstAlphabetical", // a cluster, with no destination
        });
        using var client = gateway.CreateClient(TestKeys.Default);

        using var response = await client.GetAsync("/empty/model.safetensors");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"code\":\"SERVICE_UNAVAILABLE\",\"message\":\"No upstream is available for this route.\"}",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forward_OnlyDestinationUnhealthy_503WithErrorBody()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:sick:ClusterId"] = "sick",
            ["ReverseProxy:Routes:sick:AuthorizationPolicy"] = "ApiKey",
            ["ReverseProxy:Routes:sick:Match:Path"] = "/sick/{**rest}",
            ["ReverseProxy:Routes:sick:Transforms:0:PathRemovePrefix"] = "/sick",
            // Active health checks every 1 s against a path the fake does not serve (404): the destination is unhealthy.
            // YARP's default (HealthyOrPanic) would still use an all-unhealthy cluster's destinations.
            ["ReverseProxy:Clusters:sick:HealthCheck:AvailableDestinationsPolicy"] = "HealthyAndUnknown",
            ["ReverseProxy:Clusters:sick:HealthCheck:Active:Enabled"] = "true",
            ["ReverseProxy:Clusters:sick:HealthCheck:Active:Interval"] = "00:00:01",
            ["ReverseProxy:Clusters:sick:HealthCheck:Active:Timeout"] = "00:00:01",
            ["ReverseProxy:Clusters:sick:HealthCheck:Active:Policy"] = "ConsecutiveFailures",
            ["ReverseProxy:Clusters:sick:HealthCheck:Active:Path"] = "/no-such-health-endpoint",
            ["ReverseProxy:Clusters:sick:Metadata:ConsecutiveFailuresHealthPolicy.Threshold"] = "1",
            ["ReverseProxy:Clusters:sick:Destinations:d1:Address"] = _host.BaseUri.AbsoluteUri,
        });
        using var client = gateway.CreateClient(TestKeys.Default);

        HttpResponseMessage response = await client.GetAsync("/sick/files/model.safetensors");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (response.StatusCode != HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
        {
            response.Dispose();
            await Task.Delay(200);
            response = await client.GetAsync("/sick/files/model.safetensors");
        }
        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("{\"code\":\"SERVICE_UNAVAILABLE\",\"message\":\"No upstream is available for this route.\"}",
                await response.Content.ReadAsStringAsync());
        }
        Assert.Contains(_host.Requests, r => r.PathAndQuery == "/no-such-health-endpoint"); // the probe that marked it unhealthy
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]          // a route that names no policy still needs the key
    [InlineData("Anonymous", HttpStatusCode.OK)]             // open only when it says so
    public async Task Forward_RouteAuthorizationPolicy_KeyRequiredUnlessAnonymous(string? policy, HttpStatusCode expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:open:ClusterId"] = "open",
            ["ReverseProxy:Routes:open:Match:Path"] = "/open/{**rest}",
            ["ReverseProxy:Routes:open:Transforms:0:PathRemovePrefix"] = "/open",
            ["ReverseProxy:Clusters:open:Destinations:d1:Address"] = _host.BaseUri.AbsoluteUri,
        };
        if (policy is not null)
        {
            settings["ReverseProxy:Routes:open:AuthorizationPolicy"] = policy;
        }
        await using var gateway = new GatewayFactory(settings);
        using var anonymous = gateway.CreateClient(apiKey: null);
        var before = _host.Requests.Count;

        using var response = await anonymous.GetAsync("/open/files/model.safetensors");

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.OK ? before + 1 : before, _host.Requests.Count);
    }

    [Fact]
    public async Task UnknownPath_NoKey_UnauthorizedRatherThanRevealingRoutes()
    {
        using var anonymous = Gateway.CreateClient(apiKey: null);

        using var response = await anonymous.GetAsync("/no/such/route");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static void AssertNoForwardingHeaders(RecordedRequest request)
    {
        var leaked = request.Headers.Keys
            .Where(k => k.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase)
                || k.Equals("Forwarded", StringComparison.OrdinalIgnoreCase)
                || k.Equals("X-Real-IP", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.Empty(leaked);
    }
}
