using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Metadata;

/// <summary>A generic file host (loopback Kestrel serving real safetensors/pickle bytes) and a gateway with the default test settings.</summary>
public sealed class GenericHttpFixture : IAsyncLifetime
{
    /// <summary>A real safetensors file: 8-byte header length, JSON header, tensor data.</summary>
    public static readonly byte[] SafeTensors = BuildSafeTensors(1000);

    /// <summary>The start of a real PyTorch zip checkpoint (local file header of <c>archive/data.pkl</c>).</summary>
    // A real torch.save zip: the pickle scan (on where pickles are allowed) reads it whole and finds it safe.
    public static readonly byte[] Pickle = ModelGateway.Testing.ModelFiles.TorchZip();

    public FakeHost Host { get; private set; } = null!;

    public GatewayFactory Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await FakeHost.StartAsync((app, _) => Map(app));
        Gateway = GenericProbeGateway.Create();
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Host.DisposeAsync();
    }

    private static void Map(WebApplication app)
    {
        string[] getHead = ["GET", "HEAD"];
        IResult File(byte[] bytes, string? downloadName = null) =>
            Results.Bytes(bytes, "application/octet-stream", downloadName, enableRangeProcessing: true);

        app.MapMethods("/files/model.safetensors", getHead, () => File(SafeTensors));
        app.MapMethods("/files/model.ckpt", getHead, () => File(Pickle));
        app.MapMethods("/files/real.safetensors", getHead, () => File(SafeTensors));

        // HEAD refused: the size must come from a one-byte Range GET.
        app.MapMethods("/head405/model.safetensors", getHead, (HttpContext c) =>
            HttpMethods.IsHead(c.Request.Method) ? Results.StatusCode(405) : File(SafeTensors));
        app.MapMethods("/head501/model.safetensors", getHead, (HttpContext c) =>
            HttpMethods.IsHead(c.Request.Method) ? Results.StatusCode(501) : File(SafeTensors));

        // GET refuses Range requests (as some servers refuse a method they do not implement); HEAD answers.
        app.MapMethods("/range405/model.safetensors", getHead, (HttpContext c) =>
            HttpMethods.IsGet(c.Request.Method) ? Results.StatusCode(405) : File(SafeTensors));

        // HEAD answers 200 but tells no length.
        app.MapMethods("/nolength/model.safetensors", getHead, (HttpContext c) =>
            HttpMethods.IsHead(c.Request.Method) ? Results.Ok() : File(SafeTensors));

        // Ignores Range and would stream 64 MiB slowly; the gateway must not read it.
        app.MapMethods("/ignores-range/big.safetensors", getHead, async (HttpContext c) =>
        {
            if (HttpMethods.IsHead(c.Request.Method))
            {
                c.Response.StatusCode = 405;
                return;
            }
            c.Response.ContentType = "application/octet-stream";
            c.Response.ContentLength = IgnoresRangeSize;
            var chunk = new byte[64 * 1024];
            try
            {
                for (long sent = 0; sent < IgnoresRangeSize; sent += chunk.Length)
                {
                    await c.Response.Body.WriteAsync(chunk, c.RequestAborted);
                    await c.Response.Body.FlushAsync(c.RequestAborted);
                    await Task.Delay(2, c.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // The gateway hung up, as it should.
            }
        });

        // No size anywhere: HEAD without length, GET ignores Range and answers chunked.
        app.MapMethods("/chunked/model.safetensors", getHead, async (HttpContext c) =>
        {
            c.Response.ContentType = "application/octet-stream";
            if (HttpMethods.IsGet(c.Request.Method))
            {
                await c.Response.Body.WriteAsync(SafeTensors.AsMemory(0, 64));
                await c.Response.Body.FlushAsync();
                await c.Response.Body.WriteAsync(SafeTensors.AsMemory(64, 64));
            }
        });

        // Content-Disposition variants on a URL that names no file.
        app.MapMethods("/cd/{variant}/download", getHead, (HttpContext c, string variant) =>
        {
            c.Response.Headers.ContentDisposition = variant switch
            {
                "star" => "attachment; filename=\"fallback.bin\"; filename*=UTF-8''%E6%A8%A1%E5%9E%8B%20v2.safetensors",
                "plain" => "attachment; filename=\"plain-name.safetensors\"",
                "unquoted" => "attachment; filename=unquoted.gguf",
                "percent" => "attachment; filename=\"my%20model.safetensors\"",
                "traversal" => "attachment; filename=\"../../etc/passwd\"",
                "traversal-star" => "attachment; filename*=UTF-8''..%2F..%2Fhome%2Fuser%2F.ssh%2Fevil.ckpt",
                "windows" => "attachment; filename=\"..\\\\..\\\\Windows\\\\C:evil.ckpt\"",
                _ => "attachment",
            };
            return File(SafeTensors);
        });

        // Redirects.
        app.MapMethods("/redirect/to-file", getHead, () => Results.Redirect("/files/real.safetensors"));
        app.MapMethods("/redirect/twice", getHead, () => Results.Redirect("/redirect/to-file?token=leak", permanent: true));
        app.MapMethods("/redirect/to-storage", getHead, () => Results.Redirect(
            "/storage/8f2c1e?X-Amz-Expires=86400&response-content-disposition=attachment%3B%20filename%3D%22stored-name.safetensors%22"
            + "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240907&X-Amz-Signature=deadbeef"));
        app.MapMethods("/storage/{key}", getHead, (HttpContext c) =>
        {
            c.Response.Headers.ContentDisposition = c.Request.Query["response-content-disposition"].ToString();
            return File(SafeTensors);
        });
        app.MapMethods("/loop/a", getHead, () => Results.Redirect("/loop/b"));
        app.MapMethods("/loop/b", getHead, () => Results.Redirect("/loop/a"));
        app.MapMethods("/chain/{n:int}", getHead, (int n) => Results.Redirect($"/chain/{n + 1}"));

        // HEAD refused on an empty file: the one-byte range cannot be satisfied (416, "bytes */0").
        app.MapMethods("/head405/empty.safetensors", getHead, (HttpContext c) =>
            HttpMethods.IsHead(c.Request.Method) ? Results.StatusCode(405) : File([]));

        // HEAD refused on an empty file whose 416 carries an HTML error page.
        app.MapMethods("/head405/empty-html-error.safetensors", getHead, async (HttpContext c) =>
        {
            if (HttpMethods.IsHead(c.Request.Method))
            {
                c.Response.StatusCode = 405;
                return;
            }
            c.Response.StatusCode = 416;
            c.Response.Headers.ContentRange = "bytes */0";
            c.Response.ContentType = "text/html";
            await c.Response.WriteAsync("<html>Range Not Satisfiable</html>");
        });

        // HEAD refused, and the Range answer names no total ("bytes 0-0/*").
        app.MapMethods("/head405/unknown-total.safetensors", getHead, async (HttpContext c) =>
        {
            if (HttpMethods.IsHead(c.Request.Method))
            {
                c.Response.StatusCode = 405;
                return;
            }
            c.Response.StatusCode = 206;
            c.Response.Headers.ContentRange = "bytes 0-0/*";
            c.Response.ContentLength = 1;
            await c.Response.Body.WriteAsync(SafeTensors.AsMemory(0, 1));
        });

        // Relative, 303 and 307 redirects.
        app.MapMethods("/redirect/relative/start", getHead, (HttpContext c) =>
        {
            c.Response.StatusCode = 307;
            c.Response.Headers.Location = "../../files/model.safetensors";
        });
        app.MapMethods("/redirect/see-other", getHead, (HttpContext c) =>
        {
            c.Response.StatusCode = 303;
            c.Response.Headers.Location = "/files/real.safetensors";
        });

        // Upstream failures, the same for HEAD and GET.
        app.MapMethods("/status/{code:int}/model.safetensors", getHead, (int code) => Results.StatusCode(code));
    }

    public const long IgnoresRangeSize = 64L * 1024 * 1024;

    private static byte[] BuildSafeTensors(int floats)
    {
        var header = $"{{\"__metadata__\":{{\"format\":\"pt\"}},\"weight\":{{\"dtype\":\"F32\",\"shape\":[{floats}],\"data_offsets\":[0,{floats * 4}]}}}}";
        var padded = header.PadRight((header.Length + 7) / 8 * 8);
        var json = Encoding.UTF8.GetBytes(padded);
        var bytes = new byte[8 + json.Length + (floats * 4)];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)json.Length);
        json.CopyTo(bytes, 8);
        for (var i = 8 + json.Length; i < bytes.Length; i++)
        {
            bytes[i] = (byte)i;
        }
        return bytes;
    }
}

public sealed class GenericHttpSourceTests(GenericHttpFixture fixture) : IClassFixture<GenericHttpFixture>
{
    private static readonly long SafeTensorsSize = GenericHttpFixture.SafeTensors.Length;

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(Uri url, string apiKey = TestKeys.Default, GatewayFactory? gateway = null)
    {
        using var client = (gateway ?? fixture.Gateway).CreateClient(apiKey);
        using var response = await client.GetAsync(GatewayRequests.MetadataPath(url));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.Clone());
    }

    private static void AssertError(HttpStatusCode expectedStatus, string expectedCode, (HttpStatusCode Status, JsonElement Body) actual)
    {
        Assert.Equal(expectedStatus, actual.Status);
        Assert.Equal(expectedCode, actual.Body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(actual.Body.GetProperty("message").GetString()));
        Assert.Equal(["code", "message"], actual.Body.EnumerateObject().Select(p => p.Name));
    }

    private static string[] Codes(JsonElement body, string list) =>
        body.GetProperty("validation").GetProperty(list).EnumerateArray().Select(e => e.GetProperty("code").GetString()!).ToArray();

    private Uri Url(string path) => fixture.Host.Url(path);

    // ---- size ----

    [Fact]
    public async Task RemoteMetadata_RangeAnswered_SizeFromOneRangeGetAlone()
    {
        var path = "/files/model.safetensors";
        var before = fixture.Host.RequestsTo(path).Count();

        var (status, body) = await GetAsync(Url(path));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(SafeTensorsSize, body.GetProperty("content_length").GetInt64());
        var request = Assert.Single(fixture.Host.RequestsTo(path).Skip(before));
        Assert.Equal(("GET", "bytes=0-0"), (request.Method, request.Header("Range")));
    }

    [Fact]
    public async Task RemoteMetadata_Probe_OwnUserAgentNoCallerCredentials()
    {
        using var client = fixture.Gateway.CreateClient(TestKeys.Default);
        using var request = new HttpRequestMessage(HttpMethod.Get, GatewayRequests.MetadataPath(Url("/files/model.safetensors?probe=ua")));
        request.Headers.Add("Authorization", "Bearer caller-secret");
        request.Headers.Add("Cookie", "session=caller-secret");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var probe = Assert.Single(fixture.Host.RequestsTo("/files/model.safetensors?probe=ua"));
        Assert.Equal("ModelGateway/1.0", probe.Header("User-Agent"));
        Assert.Equal("identity", probe.Header("Accept-Encoding"));
        Assert.Null(probe.Header("X-API-Key"));
        Assert.Null(probe.Header("Authorization"));
        Assert.Null(probe.Header("Cookie"));
    }

    [Theory]
    [InlineData("/head405/model.safetensors")]
    [InlineData("/head501/model.safetensors")]
    [InlineData("/nolength/model.safetensors")]
    public async Task RemoteMetadata_HeadRefusedOrWithoutLength_SizeFromContentRange(string path)
    {
        var (status, body) = await GetAsync(Url(path));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(SafeTensorsSize, body.GetProperty("content_length").GetInt64());
        Assert.Equal("model.safetensors", body.GetProperty("filename").GetString());
        Assert.Empty(Codes(body, "warnings"));
        var request = Assert.Single(fixture.Host.RequestsTo(path)); // HEAD is never asked
        Assert.Equal(("GET", "bytes=0-0"), (request.Method, request.Header("Range")));
    }

    [Fact]
    public async Task RemoteMetadata_RangeRefused_HeadTellsTheSize()
    {
        var path = "/range405/model.safetensors";

        var (status, body) = await GetAsync(Url(path));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(SafeTensorsSize, body.GetProperty("content_length").GetInt64());
        Assert.Equal(["GET", "HEAD"], fixture.Host.RequestsTo(path).Select(r => r.Method));
    }

    [Fact]
    public async Task RemoteMetadata_ServerIgnoresRange_SizeFromContentLengthWithoutReadingBody()
    {
        var (status, body) = await GetAsync(Url("/ignores-range/big.safetensors"));
        await Task.Delay(300); // had the gateway kept reading, the fake would be megabytes further by now

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(GenericHttpFixture.IgnoresRangeSize, body.GetProperty("content_length").GetInt64());
        Assert.True(fixture.Host.BytesServed < GenericHttpFixture.IgnoresRangeSize / 16,
            $"The fake served {fixture.Host.BytesServed} of {GenericHttpFixture.IgnoresRangeSize} bytes.");
    }

    [Fact]
    public async Task RemoteMetadata_NoSizeAnywhere_MinusOneAndSizeUnknownWarning()
    {
        var (status, body) = await GetAsync(Url("/chunked/model.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(-1, body.GetProperty("content_length").GetInt64());
        Assert.Equal(["SIZE_UNKNOWN"], Codes(body, "warnings"));
        Assert.True(body.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        var warning = body.GetProperty("validation").GetProperty("warnings")[0];
        Assert.Equal("content_length", warning.GetProperty("field").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_HeadRefusedEmptyFile_ZeroFromUnsatisfiableRange()
    {
        var (status, body) = await GetAsync(Url("/head405/empty.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetProperty("content_length").GetInt64());
        Assert.Empty(Codes(body, "warnings"));
    }

    [Fact]
    public async Task RemoteMetadata_EmptyFile416WithHtmlBody_ErrorBodysTypeNotReported()
    {
        var (status, body) = await GetAsync(Url("/head405/empty-html-error.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetProperty("content_length").GetInt64());
        Assert.False(body.TryGetProperty("content_type", out _));
    }

    [Fact]
    public async Task RemoteMetadata_RangeWithoutTotal_SizeUnknown()
    {
        var (status, body) = await GetAsync(Url("/head405/unknown-total.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(-1, body.GetProperty("content_length").GetInt64());
        Assert.Equal(["SIZE_UNKNOWN"], Codes(body, "warnings"));
    }

    // ---- names ----

    [Theory]
    [InlineData("star", "模型 v2.safetensors", "模型 v2")]
    [InlineData("plain", "plain-name.safetensors", "plain-name")]
    [InlineData("unquoted", "unquoted.gguf", "unquoted")]
    [InlineData("percent", "my model.safetensors", "my model")]
    [InlineData("traversal", "passwd", "passwd")]
    [InlineData("traversal-star", "evil.ckpt", "evil")]
    [InlineData("windows", "C_evil.ckpt", "C_evil")]
    [InlineData("none", "download", "download")]
    public async Task RemoteMetadata_ContentDisposition_BareDecodedFilename(string variant, string filename, string name)
    {
        var (status, body) = await GetAsync(Url($"/cd/{variant}/download"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(filename, body.GetProperty("filename").GetString());
        Assert.Equal(name, body.GetProperty("name").GetString());
    }

    // ---- redirects and final_url ----

    [Fact]
    public async Task RemoteMetadata_Redirects_FinalUrlIsTargetWithoutToken()
    {
        var (status, body) = await GetAsync(Url("/redirect/twice"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Url("/files/real.safetensors").AbsoluteUri, body.GetProperty("final_url").GetString());
        Assert.Equal("real.safetensors", body.GetProperty("filename").GetString());
        Assert.Equal(SafeTensorsSize, body.GetProperty("content_length").GetInt64());
    }

    [Fact]
    public async Task RemoteMetadata_TokenInQuery_StrippedFromFinalUrl()
    {
        var (status, body) = await GetAsync(Url("/files/real.safetensors?token=hunter2&v=1"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Url("/files/real.safetensors?v=1").AbsoluteUri, body.GetProperty("final_url").GetString());
        Assert.DoesNotContain("hunter2", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoteMetadata_RedirectToPresignedStorage_StorageUrlNotShown()
    {
        var (status, body) = await GetAsync(Url("/redirect/to-storage?token=hunter2"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Url("/redirect/to-storage").AbsoluteUri, body.GetProperty("final_url").GetString());
        Assert.Equal("stored-name.safetensors", body.GetProperty("filename").GetString());
        var raw = body.GetRawText();
        Assert.DoesNotContain("X-Amz", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("/storage/", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/redirect/relative/start", "/files/model.safetensors")]
    [InlineData("/redirect/see-other", "/files/real.safetensors")]
    public async Task RemoteMetadata_RelativeAnd303Redirects_Followed(string start, string final)
    {
        var (status, body) = await GetAsync(Url(start));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Url(final).AbsoluteUri, body.GetProperty("final_url").GetString());
        Assert.Equal(SafeTensorsSize, body.GetProperty("content_length").GetInt64());
    }

    [Fact]
    public async Task RemoteMetadata_RedirectLoop_HttpError()
    {
        AssertError(HttpStatusCode.UnprocessableEntity, "HTTP_ERROR", await GetAsync(Url("/loop/a")));
    }

    [Fact]
    public async Task RemoteMetadata_TooManyRedirects_HttpErrorAfterMaxRedirects()
    {
        AssertError(HttpStatusCode.UnprocessableEntity, "HTTP_ERROR", await GetAsync(Url("/chain/1000")));

        // Egress:MaxRedirects is 5: the first request and five redirects, then the gateway gives up.
        Assert.Equal(6, fixture.Host.RequestsTo("/chain/").Count(r => int.Parse(r.PathAndQuery["/chain/".Length..], System.Globalization.CultureInfo.InvariantCulture) >= 1000));
    }

    // ---- upstream failures (422) ----

    [Theory]
    [InlineData(404, "RESOURCE_NOT_FOUND")]
    [InlineData(410, "RESOURCE_NOT_FOUND")]
    [InlineData(401, "UNAUTHORIZED_SOURCE")]
    [InlineData(403, "ACCESS_FORBIDDEN")]
    [InlineData(429, "RATE_LIMITED")]
    [InlineData(500, "SOURCE_SERVER_ERROR")]
    [InlineData(502, "SOURCE_SERVER_ERROR")]
    [InlineData(503, "SOURCE_SERVER_ERROR")]
    public async Task RemoteMetadata_SourceStatus_Mapped422(int upstream, string code)
    {
        AssertError(HttpStatusCode.UnprocessableEntity, code, await GetAsync(Url($"/status/{upstream}/model.safetensors")));
    }

    [Fact]
    public async Task RemoteMetadata_Forbidden_AccessForbiddenWithoutAskingAgain()
    {
        var path = "/status/403/model.safetensors?asked=once";

        AssertError(HttpStatusCode.UnprocessableEntity, "ACCESS_FORBIDDEN", await GetAsync(Url(path)));
        Assert.Equal(["GET"], fixture.Host.RequestsTo(path).Select(r => r.Method));
    }

    [Fact]
    public async Task RemoteMetadata_SourceSlowerThanTimeout_NetworkTimeout()
    {
        await using var slow = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/slow.safetensors", ["GET", "HEAD"], async (HttpContext c) =>
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(4), c.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // the gateway gave up
                }
            }));
        await using var gateway = GenericProbeGateway.Create(new Dictionary<string, string?> { ["Egress:TimeoutSeconds"] = "1" });
        gateway.CreateClient().Dispose(); // start the gateway before timing
        var started = TimeProvider.System.GetTimestamp();

        var result = await GetAsync(slow.Url("/slow.safetensors"), gateway: gateway);

        AssertError(HttpStatusCode.UnprocessableEntity, "NETWORK_TIMEOUT", result);
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"Answered after {elapsed}.");
    }

    [Fact]
    public async Task RemoteMetadata_ClosedPort_ConnectionRefused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        AssertError(HttpStatusCode.UnprocessableEntity, "CONNECTION_REFUSED",
            await GetAsync(new Uri($"http://127.0.0.1:{port}/model.safetensors")));
    }

    [Fact]
    public async Task RemoteMetadata_UnresolvableHost_InvalidHost422()
    {
        AssertError(HttpStatusCode.UnprocessableEntity, "INVALID_HOST",
            await GetAsync(new Uri("http://no-such-model-host.invalid/model.safetensors")));
    }

    // ---- bad url parameter (400) ----

    [Theory]
    [InlineData("/api/assets/remote-metadata")]
    [InlineData("/api/assets/remote-metadata?url=")]
    [InlineData("/api/assets/remote-metadata?url=%20%20")]
    public async Task RemoteMetadata_MissingUrl_InvalidUrl(string path)
    {
        using var client = fixture.Gateway.CreateClient(TestKeys.Default);
        using var response = await client.GetAsync(path);

        AssertError(HttpStatusCode.BadRequest, "INVALID_URL", (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement));
    }

    [Theory]
    [InlineData("/files/model.safetensors")]
    [InlineData("files.example.com/model.safetensors")]
    [InlineData("ftp://files.example.com/model.safetensors")]
    [InlineData("file:///etc/passwd")]
    [InlineData("javascript:alert(1)")]
    public async Task RemoteMetadata_NotAbsoluteHttpUrl_InvalidUrlFormat(string url)
    {
        using var client = fixture.Gateway.CreateClient(TestKeys.Default);
        using var response = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(url));

        AssertError(HttpStatusCode.BadRequest, "INVALID_URL_FORMAT", (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement));
    }

    [Fact]
    public async Task RemoteMetadata_TwoUrlParameters_InvalidUrlFormat()
    {
        var url = Uri.EscapeDataString(Url("/files/model.safetensors").AbsoluteUri);
        using var client = fixture.Gateway.CreateClient(TestKeys.Default);
        using var response = await client.GetAsync($"/api/assets/remote-metadata?url={url}&url={url}");

        AssertError(HttpStatusCode.BadRequest, "INVALID_URL_FORMAT", (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement));
    }

    [Fact]
    public async Task RemoteMetadata_UrlOver2048Characters_InvalidUrlFormat()
    {
        var url = Url("/files/" + new string('a', 2048) + ".safetensors");

        AssertError(HttpStatusCode.BadRequest, "INVALID_URL_FORMAT", await GetAsync(url));
    }

    [Fact]
    public async Task RemoteMetadata_UrlOfExactly2048Characters_Accepted()
    {
        var prefix = Url("/files/model.safetensors?pad=").AbsoluteUri;
        var url = new Uri(prefix + new string('x', 2048 - prefix.Length));

        var (status, _) = await GetAsync(url);

        Assert.Equal(2048, url.AbsoluteUri.Length);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/files/model.safetensors")]
    [InlineData("http://localhost:{port}/files/model.safetensors")]
    [InlineData("http://[::1]:{port}/files/model.safetensors")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.1/model.safetensors")]
    public async Task RemoteMetadata_PrivateLiteralWhenPrivateNetworksOff_InvalidHost400WithoutRequest(string template)
    {
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () => Results.Bytes(GenericHttpFixture.SafeTensors)));
        await using var gateway = GenericProbeGateway.Create(new Dictionary<string, string?> { ["Egress:AllowPrivateNetworks"] = "false" });
        var url = new Uri(template.Replace("{port}", host.BaseUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        AssertError(HttpStatusCode.BadRequest, "INVALID_HOST", await GetAsync(url, gateway: gateway));
        Assert.Empty(host.Requests);
    }

    [Theory]
    [InlineData("Policy:AllowedHosts:0", "files.example.com")]
    [InlineData("Policy:AllowedHosts:0", "*.example.com")]
    [InlineData("Policy:BlockedHosts:0", "127.0.0.1")]
    public async Task RemoteMetadata_HostNotAllowedByPolicy_UnsupportedSourceWithoutRequest(string key, string value)
    {
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () => Results.Bytes(GenericHttpFixture.SafeTensors)));
        await using var gateway = GenericProbeGateway.Create(new Dictionary<string, string?> { [key] = value });

        AssertError(HttpStatusCode.BadRequest, "UNSUPPORTED_SOURCE", await GetAsync(host.Url("/files/model.safetensors"), gateway: gateway));
        Assert.Empty(host.Requests);
    }

    [Fact]
    public async Task RemoteMetadata_RedirectToBlockedHost_HttpErrorAndBlockedHostNeverAsked()
    {
        await using var blocked = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () => Results.Bytes(GenericHttpFixture.SafeTensors)));
        var blockedUrl = $"http://localhost:{blocked.BaseUri.Port}/files/model.safetensors";
        await using var redirector = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () => Results.Redirect(blockedUrl)));
        await using var gateway = GenericProbeGateway.Create(new Dictionary<string, string?> { ["Policy:BlockedHosts:0"] = "localhost" });

        AssertError(HttpStatusCode.UnprocessableEntity, "HTTP_ERROR", await GetAsync(redirector.Url("/files/model.safetensors"), gateway: gateway));
        Assert.Single(redirector.Requests);
        Assert.Empty(blocked.Requests);
    }

    [Fact]
    public async Task RemoteMetadata_HostInAllowList_Probed()
    {
        await using var gateway = GenericProbeGateway.Create(new Dictionary<string, string?> { ["Policy:AllowedHosts:0"] = "127.0.0.1" });

        var (status, _) = await GetAsync(Url("/files/model.safetensors"), gateway: gateway);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    // ---- policy verdicts (200) ----

    [Fact]
    public async Task RemoteMetadata_PickleCheckpoint_FormatNotAllowedWithExactMessage()
    {
        await using var gateway = GenericProbeGateway.Create(new Dictionary<string, string?>
        {
            ["Policy:AllowedFormats:0"] = "SafeTensor",
            ["Policy:AllowedFormats:1"] = "GGUF",
        });

        var (status, body) = await GetAsync(Url("/files/model.ckpt"), gateway: gateway);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("PickleTensor", body.GetProperty("format").GetString());
        var validation = body.GetProperty("validation");
        Assert.False(validation.GetProperty("is_valid").GetBoolean());
        var error = Assert.Single(validation.GetProperty("errors").EnumerateArray());
        Assert.Equal("FORMAT_NOT_ALLOWED", error.GetProperty("code").GetString());
        Assert.Equal("File format \"PickleTensor\" is not allowed. Allowed formats: [SafeTensor, GGUF]", error.GetProperty("message").GetString());
        Assert.Equal("format", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_ShippedPolicy_PickleRejectedSafeTensorAccepted()
    {
        var (_, pickle) = await GetAsync(Url("/files/model.ckpt"));
        var (_, safe) = await GetAsync(Url("/files/model.safetensors"));

        Assert.Equal(["FORMAT_NOT_ALLOWED"], Codes(pickle, "errors"));
        Assert.Equal("File format \"PickleTensor\" is not allowed. Allowed formats: [SafeTensor]",
            pickle.GetProperty("validation").GetProperty("errors")[0].GetProperty("message").GetString());
        Assert.True(safe.GetProperty("validation").GetProperty("is_valid").GetBoolean());
    }

    [Fact]
    public async Task RemoteMetadata_AboveMaxSize_FileTooLarge()
    {
        await using var gateway = GenericProbeGateway.Create(new Dictionary<string, string?> { ["Policy:MaxSizeBytes"] = (SafeTensorsSize - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var (status, body) = await GetAsync(Url("/files/model.safetensors"), gateway: gateway);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["FILE_TOO_LARGE"], Codes(body, "errors"));
        Assert.Equal($"File size {SafeTensorsSize} bytes exceeds the limit of {SafeTensorsSize - 1} bytes.",
            body.GetProperty("validation").GetProperty("errors")[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_ProfileKeyVersusDefaultKey_DifferentVerdictsForSameUrl()
    {
        await using var gateway = GenericProbeGateway.Create(new Dictionary<string, string?>
        {
            ["Policy:AllowedFormats:0"] = "PickleTensor",
            ["Policy:AllowedFormats:1"] = "SafeTensor",
            ["Policy:PickleScan:Unscannable"] = "Warn", // VerifyContent is off here: the pickle is not scanned
        });
        var url = Url("/files/model.ckpt");

        var (defaultStatus, viaDefault) = await GetAsync(url, TestKeys.Default, gateway);
        var (strictStatus, viaStrict) = await GetAsync(url, TestKeys.Strict, gateway);

        Assert.Equal(HttpStatusCode.OK, defaultStatus);
        Assert.Equal(HttpStatusCode.OK, strictStatus);
        Assert.True(viaDefault.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.False(viaStrict.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Equal("File format \"PickleTensor\" is not allowed. Allowed formats: [SafeTensor]",
            viaStrict.GetProperty("validation").GetProperty("errors")[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_ProfileWithEmptyFormatList_AnyFormatForItsKey()
    {
        // "AllowedFormats": [] in JSON arrives as the key with an empty value, as here.
        await using var gateway = GenericProbeGateway.Create(new Dictionary<string, string?>
        {
            ["PolicyProfiles:open:AllowedFormats"] = "",
            ["PolicyProfiles:open:PickleScan:Unscannable"] = "Warn", // VerifyContent is off here: the pickle is not scanned
            ["ApiKeys:0:Policy"] = "open",
        });
        var url = Url("/files/model.ckpt");

        var (_, viaOpen) = await GetAsync(url, TestKeys.Default, gateway);
        var (_, viaStrict) = await GetAsync(url, TestKeys.Strict, gateway);

        Assert.True(viaOpen.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Equal(["FORMAT_NOT_ALLOWED"], Codes(viaStrict, "errors"));
    }

    // ---- response shape ----

    [Fact]
    public async Task RemoteMetadata_Response_SnakeCaseNoNullsFullShape()
    {
        var (status, body) = await GetAsync(Url("/files/model.safetensors"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            ["content_length", "content_type", "filename", "name", "tags", "final_url", "format", "validation"],
            body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(SafeTensorsSize, body.GetProperty("content_length").GetInt64());
        Assert.Equal("application/octet-stream", body.GetProperty("content_type").GetString());
        Assert.Equal("model.safetensors", body.GetProperty("filename").GetString());
        Assert.Equal("model", body.GetProperty("name").GetString());
        Assert.Equal(["models"], body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(Url("/files/model.safetensors").AbsoluteUri, body.GetProperty("final_url").GetString());
        Assert.Equal("SafeTensor", body.GetProperty("format").GetString());
        var validation = body.GetProperty("validation");
        Assert.Equal(["is_valid", "errors", "warnings"], validation.EnumerateObject().Select(p => p.Name));
        Assert.True(validation.GetProperty("is_valid").GetBoolean());
        Assert.Equal(JsonValueKind.Array, validation.GetProperty("errors").ValueKind);
        Assert.Equal(JsonValueKind.Array, validation.GetProperty("warnings").ValueKind);
        AssertNoNulls(body);
    }

    [Fact]
    public async Task RemoteMetadata_InvalidVerdict_ValidationItemsHaveCodeMessageField()
    {
        var (_, body) = await GetAsync(Url("/chunked/model.safetensors"));
        var (_, pickle) = await GetAsync(Url("/files/model.ckpt"));

        foreach (var item in body.GetProperty("validation").GetProperty("warnings").EnumerateArray()
            .Concat(pickle.GetProperty("validation").GetProperty("errors").EnumerateArray()))
        {
            Assert.Equal(["code", "message", "field"], item.EnumerateObject().Select(p => p.Name));
        }
        Assert.Equal(JsonValueKind.Array, pickle.GetProperty("validation").GetProperty("warnings").ValueKind);
        AssertNoNulls(body);
        AssertNoNulls(pickle);
    }

    private static void AssertNoNulls(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                Assert.Fail("The response contains a null.");
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    AssertNoNulls(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    AssertNoNulls(item);
                }
                break;
        }
    }
}

/// <summary>
/// A gateway that answers from the probe alone: no content check (its extra GET is covered by the sniffing tests)
/// and no cache (these tests count the probe's requests and reuse URLs).
/// </summary>
internal static class GenericProbeGateway
{
    public static GatewayFactory Create(Dictionary<string, string?>? settings = null)
    {
        var merged = new Dictionary<string, string?>
        {
            ["Policy:VerifyContent"] = "false",
            ["MetadataCache:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? [])
        {
            merged[key] = value;
        }
        return new GatewayFactory(merged);
    }
}
