using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Testing;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Sources.HuggingFace;
using ModelGateway.Testing;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Forwarding;

/// <summary>
/// The shipped <c>/civitai</c> and <c>/huggingface</c> routes are default-deny: every path that can serve a file's bytes
/// is served by the download pipeline or refused (any case, slash doubling, encoding), only the sources' read-only API
/// allow-list is forwarded, writes are refused, the caller's cookies never leave, a redirect away from the source is not
/// passed on, and forwarded requests hold one of the caller's streams and are audited.
/// </summary>
public sealed class EnforcedRouteTests(DownloadHosts hosts) : IClassFixture<DownloadHosts>
{
    private const string ShapeClient = "shape-walker/1.0";

    private static int _next;

    /// <summary>
    /// Every file-serving shape of each source, with its case, slash and encoding variants: a pickle behind each one. Each
    /// is enforced (the pipeline's 403 <c>FORMAT_NOT_ALLOWED</c>) or refused (403 <c>FILE_PATH_NOT_SERVED</c>) — never
    /// forwarded: no byte of the pickle reaches the client, and no plain GET of it reaches the model host.
    /// </summary>
    public static TheoryData<string, string> FileShapes => new()
    {
        { "/huggingface/owner/repo/resolve/main/{name}", "FORMAT_NOT_ALLOWED" },
        { "/huggingface/owner/repo/resolve/%6Dain/{name}", "FORMAT_NOT_ALLOWED" },
        { "/huggingface/datasets/owner/repo/resolve/main/{name}", "FORMAT_NOT_ALLOWED" },
        { "/huggingface/owner/repo/RESOLVE/main/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/owner/repo/Resolve/main/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/owner/repo//resolve/main/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface//owner/repo/resolve/main/{name}", "FORMAT_NOT_ALLOWED" },
        { "/huggingface/owner/repo/resolve/main/{name}/", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/owner/repo/resolve//main/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/owner/repo/resolve/ma%01in/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/owner/repo/resolve/" + new string('r', 300) + "/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/owner/repo/resolve%2Fmain/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/owner/repo/%72esolve/main%2F{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/api/resolve-cache/models/owner/repo/" + FakeHuggingFace.Commit + "/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/api/resolve-cache/models/owner/repo/main/{name}?etag=%22x%22", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/API/Resolve-Cache/models/owner/repo/main/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/api/models/owner/repo/resolve/main/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/owner/repo/raw/main/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/owner/repo/RAW/main/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/owner/repo/blob/main/{name}", "FILE_PATH_NOT_SERVED" },
        { "/huggingface/spaces/owner/repo/Blob/main/{name}", "FILE_PATH_NOT_SERVED" },
        { "/civitai/api/download/models/{id}", "FORMAT_NOT_ALLOWED" },
        { "/civitai/API/Download/MODELS/{id}", "FORMAT_NOT_ALLOWED" },
        { "/civitai//api/download/models/{id}", "FORMAT_NOT_ALLOWED" },
        { "/civitai/api//download/models/{id}/", "FORMAT_NOT_ALLOWED" },
        { "/civitai/api/%64ownload/models/{id}?type=Model", "FORMAT_NOT_ALLOWED" },
        { "/civitai/api/download/models/x/{id}", "FILE_PATH_NOT_SERVED" },
        { "/civitai/api/download/models/{id}/x", "FILE_PATH_NOT_SERVED" },
        { "/civitai/api/download/training-data/{id}", "FILE_PATH_NOT_SERVED" },
        { "/civitai/api/download/Training-Data/{id}", "FILE_PATH_NOT_SERVED" },
        { "/civitai/api/download/attachments/{id}", "FILE_PATH_NOT_SERVED" },
        { "/civitai/api/v1/download/models/{id}", "FILE_PATH_NOT_SERVED" },
    };

    [Theory]
    [MemberData(nameof(FileShapes))]
    public async Task FileShape_EnforcedOrRefused_NeverForwarded(string shape, string expectedCode)
    {
        var pickle = ModelFiles.TorchZip(storageBytes: 20_000);
        var number = Interlocked.Increment(ref _next);
        var name = $"shape-{number}.ckpt";
        var id = 8100 + number;
        // Behind every shape the hosts hold the pickle: a forwarded request would get its bytes.
        var sha256 = hosts.HuggingFace.ServeFile($"/owner/repo/resolve/main/{name}", pickle);
        hosts.HuggingFace.ServeFile($"/datasets/owner/repo/resolve/main/{name}", pickle);
        foreach (var leak in new[] { $"/api/resolve-cache/models/owner/repo/{FakeHuggingFace.Commit}/{name}", $"/owner/repo/raw/main/{name}", $"/owner/repo/blob/main/{name}" })
        {
            hosts.HuggingFace.Route(leak, context => context.Response.Body.WriteAsync(pickle).AsTask());
        }
        hosts.CivitAi.AddDownload(id, $"shape-{id}.pt", pickle, format: "PickleTensor");
        using var client = hosts.Gateway.Client(TestKeys.Default);
        client.DefaultRequestHeaders.UserAgent.ParseAdd(ShapeClient);
        var path = shape.Replace("{name}", name, StringComparison.Ordinal).Replace("{id}", id.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, path));
            var body = await response.Content.ReadAsByteArrayAsync();

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            if (method == HttpMethod.Get)
            {
                Assert.Equal(expectedCode, (await ErrorAsync(response)).Code);
            }
            Assert.True(body.AsSpan().IndexOf(pickle.AsSpan(0, 64)) < 0, "The pickle's bytes reached the client.");
        }
        // The pipeline's own requests (the probe, the content check) carry the gateway's User-Agent; a forwarded one would
        // carry the client's.
        Assert.DoesNotContain(hosts.HuggingFace.Hub.Requests.Concat(hosts.HuggingFace.Cdn.Requests).Concat(hosts.CivitAi.Api.Requests)
            .Concat(hosts.CivitAi.Storage.Requests), r => r.Header("User-Agent") == ShapeClient);
    }

    [Fact]
    public async Task ResolveCache_ThePickleTheHubCachesRefused_WhileResolveGivesTheSameVerdict()
    {
        // Row 1: the Hub's real endpoint for cached files served a forbidden pickle with no verdict and no audit.
        var pickle = ModelFiles.TorchZip(storageBytes: 30_000);
        const string cached = "/api/resolve-cache/models/owner/repo/" + FakeHuggingFace.Commit + "/legacy-row1.ckpt";
        hosts.HuggingFace.Route(cached, context => context.Response.Body.WriteAsync(pickle).AsTask());
        hosts.HuggingFace.ServeFile("/owner/repo/resolve/main/legacy-row1.ckpt", pickle);
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var viaCache = await client.GetAsync("/huggingface" + cached);
        using var viaResolve = await client.GetAsync("/huggingface/owner/repo/resolve/main/legacy-row1.ckpt");

        Assert.Equal(HttpStatusCode.Forbidden, viaCache.StatusCode);
        Assert.Equal("FILE_PATH_NOT_SERVED", (await ErrorAsync(viaCache)).Code);
        Assert.Equal(HttpStatusCode.Forbidden, viaResolve.StatusCode);
        Assert.Equal("FORMAT_NOT_ALLOWED", (await ErrorAsync(viaResolve)).Code);
        Assert.Empty(hosts.HuggingFace.Hub.RequestsTo("/api/resolve-cache/models/owner/repo/" + FakeHuggingFace.Commit + "/legacy-row1"));
    }

    [Fact]
    public async Task CivitAiDownloadWithAnExtraSegment_RefusedNoPresignedUrlReachesTheClient()
    {
        // Row 1: /api/download/models/x/{id} was forwarded and CivitAI's 307 with the presigned storage URL passed on.
        hosts.CivitAi.AddDownload(8002, "extra-8002.pt", ModelFiles.TorchZip(storageBytes: 5_000), format: "PickleTensor");
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync("/civitai/api/download/models/x/8002");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var (code, message) = await ErrorAsync(response);
        Assert.Equal("FILE_PATH_NOT_SERVED", code);
        Assert.DoesNotContain("X-Amz", message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(hosts.CivitAi.Api.RequestsTo("/api/download/models/x/"));
    }

    public static TheoryData<string, string> Writes => new()
    {
        { "DELETE", "/huggingface/api/repos/delete" },
        { "POST", "/huggingface/api/repos/create" },
        { "POST", "/huggingface/api/models/owner/repo/commit/main" },
        { "POST", "/huggingface/api/models/owner/repo/preupload/main" },
        { "PUT", "/huggingface/api/models/owner/repo/settings" },
        { "DELETE", "/huggingface/api/models/owner/repo" },
        { "POST", "/huggingface/api/models/owner/repo/tree/main" },
        { "POST", "/civitai/api/trpc/model.delete" },
        { "POST", "/civitai/api/v1/models/100" },
        { "PATCH", "/civitai/api/v1/model-versions/1001" },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Write_Refused405_NothingReachesTheHostWithTheOrgToken(string method, string path)
    {
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{\"name\":\"x\"}") };
        request.Headers.Add("Cookie", "session=users-own-session");
        var upstreamPath = path[path.IndexOf('/', 1)..];

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("METHOD_NOT_ALLOWED", (await ErrorAsync(response)).Code);
        Assert.DoesNotContain(hosts.HuggingFace.Hub.Requests.Concat(hosts.CivitAi.Api.Requests), r => r.Method == method && r.PathAndQuery == upstreamPath);
    }

    public static TheoryData<string> NotAllowed => new()
    {
        "/huggingface/api/whoami-v2",
        "/huggingface/api/models/owner/repo/discussions",
        "/huggingface/api/datasets/owner/data/parquet/default/train/0.parquet",
        "/huggingface/owner/repo",
        "/huggingface/owner/repo/tree/main",
        "/huggingface/api/models/owner/repo/",
        "/huggingface/API/models/owner/repo",
        "/civitai/api/trpc/model.getById",
        "/civitai/models/100",
        "/civitai/api/v1/models/100/",
        "/civitai/user/account",
    };

    [Theory]
    [MemberData(nameof(NotAllowed))]
    public async Task ReadOffTheAllowList_Refused403NeverForwarded(string path)
    {
        using var client = hosts.Gateway.Client(TestKeys.Default);
        var before = hosts.HuggingFace.Hub.Requests.Count + hosts.CivitAi.Api.Requests.Count;

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("PATH_NOT_ALLOWED", (await ErrorAsync(response)).Code);
        var upstreamPath = path[path.IndexOf('/', 1)..];
        Assert.DoesNotContain(hosts.HuggingFace.Hub.Requests.Concat(hosts.CivitAi.Api.Requests), r => r.PathAndQuery == upstreamPath);
    }

    [Fact]
    public async Task AllowListRead_ForwardedWithoutTheCallersCookie()
    {
        hosts.CivitAi.AddDownload(8003, "cookie-8003.safetensors", SafeTensors(1000, seed: 83));
        using var client = hosts.Gateway.Client(TestKeys.Default);
        using var civitAi = new HttpRequestMessage(HttpMethod.Get, "/civitai/api/v1/model-versions/8003");
        civitAi.Headers.Add("Cookie", "__Secure-civitai-token=users-own-session");
        using var huggingFace = new HttpRequestMessage(HttpMethod.Get, "/huggingface/api/models/Comfy-Org/flux1-dev");
        huggingFace.Headers.Add("Cookie", "token=users-own-hf-session");

        using var civitAiAnswer = await client.SendAsync(civitAi);
        using var huggingFaceAnswer = await client.SendAsync(huggingFace);

        Assert.Equal(HttpStatusCode.OK, civitAiAnswer.StatusCode);
        Assert.Contains("\"id\":8003", await civitAiAnswer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, huggingFaceAnswer.StatusCode);
        Assert.Contains("\"id\":\"Comfy-Org/flux1-dev\"", await huggingFaceAnswer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var forwarded = hosts.CivitAi.Api.RequestsTo("/api/v1/model-versions/8003").Last();
        Assert.Null(forwarded.Header("Cookie"));
        Assert.Equal("Bearer " + CivitAiToken, forwarded.Header("Authorization"));
        Assert.All(hosts.HuggingFace.Hub.RequestsTo("/api/models/Comfy-Org/flux1-dev"), r => Assert.Null(r.Header("Cookie")));
    }

    [Fact]
    public async Task AllowWrites_WriteForwardedWithoutCookie_FilesAndXetStillRefused()
    {
        string? cookieSeen = "unset";
        hosts.HuggingFace.Route("/api/models/owner/writable/commit/main", async context =>
        {
            cookieSeen = context.Request.Headers.Cookie.ToString();
            await context.Response.WriteAsJsonAsync(new { commitOid = FakeHuggingFace.Commit });
        });
        var settings = hosts.Settings();
        settings["ReverseProxy:Routes:huggingface:Metadata:AllowWrites"] = "true";
        await using var gateway = LoopbackGateway.Start(settings);
        using var client = gateway.Client(TestKeys.Default);
        using var write = new HttpRequestMessage(HttpMethod.Post, "/huggingface/api/models/owner/writable/commit/main")
        {
            Content = new StringContent("{\"summary\":\"x\"}"),
        };
        write.Headers.Add("Cookie", "token=users-own-hf-session");

        using var written = await client.SendAsync(write);
        using var fileWrite = await client.PostAsync("/huggingface/owner/writable/resolve/main/x.safetensors", new StringContent("x"));
        using var xet = await client.PostAsync("/huggingface/api/models/owner/writable/xet-write-token/main", new StringContent("x"));

        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        Assert.Equal(string.Empty, cookieSeen);
        Assert.Equal(HttpStatusCode.Forbidden, fileWrite.StatusCode);
        Assert.Equal("FILE_PATH_NOT_SERVED", (await ErrorAsync(fileWrite)).Code);
        Assert.Equal(HttpStatusCode.Forbidden, xet.StatusCode);
        Assert.Equal("XET_NOT_SUPPORTED", (await ErrorAsync(xet)).Code);
        Assert.Empty(hosts.HuggingFace.Hub.RequestsTo("/api/models/owner/writable/xet-write-token"));
    }

    [Fact]
    public async Task ReadThatRedirectsAwayFromTheSource_502NeverPassedOn()
    {
        hosts.HuggingFace.Route("/api/models/owner/moved-away", context =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = "https://elsewhere.example/presigned?X-Amz-Signature=secret";
            return Task.CompletedTask;
        });
        hosts.HuggingFace.Route("/api/models/owner/renamed", context =>
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = "/api/models/owner/new-name";
            return Task.CompletedTask;
        });
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var away = await client.GetAsync("/huggingface/api/models/owner/moved-away");
        using var renamed = await client.GetAsync("/huggingface/api/models/owner/renamed");

        Assert.Equal(HttpStatusCode.BadGateway, away.StatusCode);
        Assert.Null(away.Headers.Location);
        var (code, message) = await ErrorAsync(away);
        Assert.Equal("REDIRECT_REFUSED", code);
        Assert.DoesNotContain("elsewhere", message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, renamed.StatusCode);
        Assert.Equal(new Uri(hosts.Gateway.Address, "/huggingface/api/models/owner/new-name"), renamed.Headers.Location);
    }

    [Fact]
    public async Task ForwardedStreams_CountAgainstTheKeysStreamLimit()
    {
        // Row 7: forwarded (non-file) streams were not limited by Downloads:MaxConcurrentPerKey.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        hosts.HuggingFace.Route("/api/models/owner/held", async context =>
        {
            Interlocked.Increment(ref arrived);
            await context.Response.WriteAsync("{\"id\":");
            await context.Response.Body.FlushAsync();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await context.Response.WriteAsync("\"owner/held\"}");
        });
        var settings = hosts.Settings();
        settings["Downloads:MaxConcurrentPerKey"] = "2";
        await using var gateway = LoopbackGateway.Start(settings);
        using var client = gateway.Client(TestKeys.Default);

        using var first = await client.GetAsync("/huggingface/api/models/owner/held", HttpCompletionOption.ResponseHeadersRead);
        using var second = await client.GetAsync("/huggingface/api/models/owner/held", HttpCompletionOption.ResponseHeadersRead);
        using var third = await client.GetAsync("/huggingface/api/models/owner/held", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("RATE_LIMITED", (await ErrorAsync(third)).Code);
        Assert.Equal("5", third.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(2, Volatile.Read(ref arrived));
        release.SetResult();
        Assert.Equal("{\"id\":\"owner/held\"}", await first.Content.ReadAsStringAsync());
        Assert.Equal("{\"id\":\"owner/held\"}", await second.Content.ReadAsStringAsync());
        using var after = await client.GetAsync("/huggingface/api/models/owner/held");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task ForwardedAndRefusedRequests_AuditedWithTheCaller()
    {
        var logs = new FakeLogCollector();
        await using var gateway = LoopbackGateway.Start(hosts.Settings(), new FakeLoggerProvider(logs));
        using var client = gateway.Client(TestKeys.Strict);

        using (var read = await client.GetAsync("/huggingface/api/models/Comfy-Org/flux1-dev"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        using (var write = await client.DeleteAsync("/huggingface/api/repos/delete"))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, write.StatusCode);
        }

        var audit = logs.GetSnapshot().Where(r => r.Category == "ModelGateway.Audit" && r.Id.Name is "Forwarded" or "ForwardRefused").ToList();
        Assert.Equal(["Forwarded", "ForwardRefused"], audit.Select(r => r.Id.Name));
        var forwarded = Fields(audit[0]);
        Assert.Equal(("strict-team", "strict", "huggingface", "GET", "api/models/{repo}", "200"),
            (forwarded["KeyName"], forwarded["Profile"], forwarded["Route"], forwarded["Method"], forwarded["Endpoint"], forwarded["StatusCode"]));
        var refused = Fields(audit[1]);
        Assert.Equal(("strict-team", "DELETE", "405", "METHOD_NOT_ALLOWED"), (refused["KeyName"], refused["Method"], refused["StatusCode"], refused["Code"]));
    }

    [Fact]
    public async Task EncodedSlashInARevision_ReachesTheHubOnceEncoded()
    {
        // Row 9: the Hub received refs%252Fpr%252F1 and PR revisions broke.
        var file = SafeTensors(50_000, seed: 89);
        var sha256 = hosts.HuggingFace.ServeFile("/owner/repo/resolve/refs%2Fpr%2F1/pr-89.safetensors", file);
        hosts.HuggingFace.Route("/api/models/owner/repo/revision/refs%2Fpr%2F1", context =>
            context.Response.WriteAsJsonAsync(new { id = "owner/repo", sha = FakeHuggingFace.Commit }));
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var info = await client.GetAsync("/huggingface/api/models/owner/repo/revision/refs%2Fpr%2F1");
        using var download = await client.GetAsync("/huggingface/owner/repo/resolve/refs%2Fpr%2F1/pr-89.safetensors");

        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(sha256, Sha256(await download.Content.ReadAsByteArrayAsync()));
        Assert.Equal("/api/models/owner/repo/revision/refs%2Fpr%2F1",
            Assert.Single(hosts.HuggingFace.Hub.Requests, r => r.PathAndQuery.StartsWith("/api/models/owner/repo/revision/", StringComparison.Ordinal)).RawTarget);
        var resolves = hosts.HuggingFace.Hub.Requests.Where(r => r.PathAndQuery.Contains("pr-89", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(resolves);
        Assert.All(resolves, r => Assert.Equal("/owner/repo/resolve/refs%2Fpr%2F1/pr-89.safetensors", r.RawTarget));
    }

    private static Dictionary<string, string?> Fields(FakeLogRecord record) =>
        record.StructuredState!.ToDictionary(s => s.Key, s => s.Value);
}
