using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Egress;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Sources;
using ModelGateway.Sources.HuggingFace;

namespace ModelGateway.IntegrationTests.Sources.HuggingFace;

/// <summary>One fake Hub + CDN and two gateways (without and with a token) for the whole class.</summary>
public sealed class HuggingFaceFixture : IAsyncLifetime
{
    public FakeHuggingFace Fake { get; private set; } = null!;

    public GatewayFactory Anonymous { get; private set; } = null!;

    public GatewayFactory WithToken { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Fake = await FakeHuggingFace.StartAsync();
        // These tests are about the Hub's HEAD and API answers; HuggingFaceContentTests read the file's bytes.
        Anonymous = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Sources:HuggingFace:BaseUrl"] = Fake.BaseUrl,
            ["Policy:VerifyContent"] = "false",
        });
        WithToken = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Sources:HuggingFace:BaseUrl"] = Fake.BaseUrl,
            ["Sources:HuggingFace:Token"] = FakeHuggingFace.GrantedToken,
            ["Policy:VerifyContent"] = "false",
        });
    }

    public async Task DisposeAsync()
    {
        await Anonymous.DisposeAsync();
        await WithToken.DisposeAsync();
        await Fake.DisposeAsync();
    }
}

public sealed class HuggingFaceSourceTests(HuggingFaceFixture fixture) : IClassFixture<HuggingFaceFixture>
{
    private const string FluxUrl = "https://huggingface.co/Comfy-Org/flux1-dev/resolve/main/split_files/diffusion_models/flux1-dev-fp8.safetensors";

    private FakeHuggingFace Fake => fixture.Fake;

    [Theory]
    [InlineData(FluxUrl)]
    [InlineData("https://huggingface.co/Comfy-Org/flux1-dev/blob/main/split_files/diffusion_models/flux1-dev-fp8.safetensors")]
    [InlineData("https://hf.co/Comfy-Org/flux1-dev/resolve/main/split_files/diffusion_models/flux1-dev-fp8.safetensors?download=true")]
    [InlineData("https://huggingface.co/Comfy-Org/flux1-dev/blob/main/split_files/diffusion_models/flux1-dev-fp8.safetensors?download=true")]
    public async Task RemoteMetadata_LfsFile_ReportsLinkedSizeSha256AndCanonicalUrl(string url)
    {
        var (status, json) = await GetAsync(fixture.Anonymous, url);

        Assert.Equal(HttpStatusCode.OK, status);
        var root = json.RootElement;
        Assert.Equal(FakeHuggingFace.LfsSize, root.GetProperty("content_length").GetInt64());
        Assert.Equal(FakeHuggingFace.LfsSha256, root.GetProperty("sha256").GetString());
        Assert.Equal("application/octet-stream", root.GetProperty("content_type").GetString());
        Assert.Equal("flux1-dev-fp8.safetensors", root.GetProperty("filename").GetString());
        Assert.Equal("flux1-dev-fp8", root.GetProperty("name").GetString());
        Assert.Equal(FluxUrl, root.GetProperty("final_url").GetString());
        Assert.Equal("SafeTensor", root.GetProperty("format").GetString());
        Assert.Equal(["models", "diffusion_models"], Tags(root));
        Assert.True(root.GetProperty("validation").GetProperty("is_valid").GetBoolean());
    }

    [Theory]
    [InlineData("https://huggingface.co/owner/repo/resolve/refs%2Fpr%2F1/model.safetensors", "model.safetensors",
        "https://huggingface.co/owner/repo/resolve/refs%2Fpr%2F1/model.safetensors")]
    [InlineData("https://huggingface.co/owner/repo/resolve/refs/pr/1/model.safetensors", "model.safetensors",
        "https://huggingface.co/owner/repo/resolve/refs%2Fpr%2F1/model.safetensors")]
    [InlineData("https://huggingface.co/owner/repo/blob/main/my%20model%20v2.safetensors", "my model v2.safetensors",
        "https://huggingface.co/owner/repo/resolve/main/my%20model%20v2.safetensors")]
    [InlineData("https://huggingface.co/datasets/owner/data/resolve/main/loras/style.safetensors?download=true", "style.safetensors",
        "https://huggingface.co/datasets/owner/data/resolve/main/loras/style.safetensors")]
    public async Task RemoteMetadata_OtherLfsForms_ResolveTheSameWay(string url, string filename, string finalUrl)
    {
        var (status, json) = await GetAsync(fixture.Anonymous, url);

        Assert.Equal(HttpStatusCode.OK, status);
        var root = json.RootElement;
        Assert.Equal(FakeHuggingFace.LfsSize, root.GetProperty("content_length").GetInt64());
        Assert.Equal(FakeHuggingFace.LfsSha256, root.GetProperty("sha256").GetString());
        Assert.Equal(filename, root.GetProperty("filename").GetString());
        Assert.Equal(finalUrl, root.GetProperty("final_url").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_SpaceGitFile_UsesContentLengthAndNoSha256()
    {
        var (status, json) = await GetAsync(fixture.Anonymous, "https://huggingface.co/spaces/owner/demo/blob/main/checkpoints/model.ckpt");

        Assert.Equal(HttpStatusCode.OK, status);
        var root = json.RootElement;
        Assert.Equal(2048, root.GetProperty("content_length").GetInt64());
        Assert.False(root.TryGetProperty("sha256", out _)); // a git sha1 ETag is not a sha256
        Assert.Equal("model.ckpt", root.GetProperty("filename").GetString());
        Assert.Equal("model", root.GetProperty("name").GetString());
        Assert.Equal("PickleTensor", root.GetProperty("format").GetString());
        Assert.Equal(["models", "checkpoints"], Tags(root));
        Assert.Equal("https://huggingface.co/spaces/owner/demo/resolve/main/checkpoints/model.ckpt", root.GetProperty("final_url").GetString());
        Assert.Equal("FORMAT_NOT_ALLOWED", root.GetProperty("validation").GetProperty("errors")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task RemoteMetadata_SmallGitFile_ReportsContentLength()
    {
        var (status, json) = await GetAsync(fixture.Anonymous, "https://huggingface.co/owner/small/resolve/main/embeddings/neg.safetensors");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4096, json.RootElement.GetProperty("content_length").GetInt64());
        Assert.Equal(["models", "embeddings"], Tags(json.RootElement));
    }

    [Fact]
    public async Task RemoteMetadata_ResolveCacheRedirect_FollowsRelativeRedirectAndKeepsCanonicalUrl()
    {
        var (status, json) = await GetAsync(fixture.Anonymous, "https://huggingface.co/owner/cached/resolve/main/vae/tiny.safetensors");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1536, json.RootElement.GetProperty("content_length").GetInt64());
        Assert.Equal("https://huggingface.co/owner/cached/resolve/main/vae/tiny.safetensors", json.RootElement.GetProperty("final_url").GetString());
        Assert.Equal(["models", "vae"], Tags(json.RootElement));
        Assert.Single(Fake.Hub.Requests, r => r.Method == "HEAD" && r.PathAndQuery.StartsWith("/api/resolve-cache/models/owner/cached/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RemoteMetadata_RenamedRepo_FollowsRelativeRedirectAndReportsNewName()
    {
        var (status, json) = await GetAsync(fixture.Anonymous, "https://huggingface.co/old-owner/old-name/resolve/main/loras/style.safetensors");

        Assert.Equal(HttpStatusCode.OK, status);
        var root = json.RootElement;
        Assert.Equal(FakeHuggingFace.LfsSize, root.GetProperty("content_length").GetInt64());
        Assert.Equal(FakeHuggingFace.LfsSha256, root.GetProperty("sha256").GetString());
        Assert.Equal("https://huggingface.co/new-owner/new-name/resolve/main/loras/style.safetensors", root.GetProperty("final_url").GetString());
        Assert.Equal(["models", "loras"], Tags(root));
        Assert.Single(Fake.Hub.Requests, r => r.Method == "HEAD" && r.PathAndQuery == "/new-owner/new-name/resolve/main/loras/style.safetensors");
        Assert.Single(Fake.Hub.Requests, r => r.Method == "GET" && r.PathAndQuery.StartsWith("/api/models/new-owner/new-name", StringComparison.Ordinal));
        Assert.DoesNotContain(Fake.Cdn.Requests, r => r.PathAndQuery.StartsWith("/xet-bridge-us/renamed/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RemoteMetadata_GatedRepoWithoutToken_Returns422UnauthorizedSource()
    {
        var (status, json) = await GetAsync(fixture.Anonymous, "https://huggingface.co/gated-org/gated/resolve/main/model.safetensors");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("UNAUTHORIZED_SOURCE", json.RootElement.GetProperty("code").GetString());
        Assert.Contains("gated", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoteMetadata_GatedRepoWithGrantedToken_ReportsFileAndSendsTokenToHubOnly()
    {
        var cdnRequestsBefore = Fake.Cdn.Requests.Count; // tests of this class run one at a time
        var (status, json) = await GetAsync(fixture.WithToken, "https://huggingface.co/gated-org/gated/resolve/main/model.safetensors");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(FakeHuggingFace.LfsSize, json.RootElement.GetProperty("content_length").GetInt64());
        Assert.Equal(FakeHuggingFace.LfsSha256, json.RootElement.GetProperty("sha256").GetString());
        Assert.Contains(Fake.Hub.Requests, r => r.Method == "HEAD" && r.PathAndQuery == "/gated-org/gated/resolve/main/model.safetensors"
            && r.Header("Authorization") == "Bearer " + FakeHuggingFace.GrantedToken);
        Assert.Contains(Fake.Hub.Requests, r => r.PathAndQuery.StartsWith("/api/models/gated-org/gated?", StringComparison.Ordinal)
            && r.Header("Authorization") == "Bearer " + FakeHuggingFace.GrantedToken);
        // The metadata probe stops at the CDN redirect: the HEAD is not sent to the CDN at all.
        Assert.Equal(cdnRequestsBefore, Fake.Cdn.Requests.Count);
    }

    [Fact]
    public async Task RemoteMetadata_GatedRepoWithTokenNotGranted_Returns422UserTokenAccessDenied()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Sources:HuggingFace:BaseUrl"] = Fake.BaseUrl,
            ["Sources:HuggingFace:Token"] = "hf_not_granted",
            ["Policy:VerifyContent"] = "false",
        });

        var (status, json) = await GetAsync(gateway, "https://huggingface.co/gated-org/gated/resolve/main/model.safetensors");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("USER_TOKEN_ACCESS_DENIED", json.RootElement.GetProperty("code").GetString());
        Assert.DoesNotContain("hf_not_granted", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://huggingface.co/owner/missing/resolve/main/model.safetensors", "RESOURCE_NOT_FOUND", "does not exist or is private")]
    [InlineData("https://huggingface.co/owner/repo/resolve/main/nope.safetensors", "RESOURCE_NOT_FOUND", "has no file \"nope.safetensors\"")]
    [InlineData("https://huggingface.co/owner/repo/resolve/v9/model.safetensors", "RESOURCE_NOT_FOUND", "has no revision \"v9\"")]
    [InlineData("https://huggingface.co/owner/busy/resolve/main/model.safetensors", "RATE_LIMITED", "rate limiting")]
    [InlineData("https://huggingface.co/owner/broken/resolve/main/model.safetensors", "SOURCE_SERVER_ERROR", "503")]
    [InlineData("https://huggingface.co/owner/forbidden/resolve/main/model.safetensors", "ACCESS_FORBIDDEN", "forbids access")]
    public async Task RemoteMetadata_HubError_MapsErrorCodeAndStatus(string url, string code, string messagePart)
    {
        var (status, json) = await GetAsync(fixture.Anonymous, url);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        Assert.Contains(messagePart, json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://huggingface.co/owner/repo")]
    [InlineData("https://hf.co/owner/repo/tree/main/loras")]
    [InlineData("https://huggingface.co/datasets/owner/data/raw/main/model.safetensors")]
    public async Task RemoteMetadata_NonFileHfPath_Returns400InvalidUrlFormatWithoutRequests(string url)
    {
        var before = Fake.Hub.Requests.Count;

        var (status, json) = await GetAsync(fixture.Anonymous, url);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_URL_FORMAT", json.RootElement.GetProperty("code").GetString());
        Assert.Contains("/resolve/{revision}/{path}", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, Fake.Hub.Requests.Count);
    }

    [Theory]
    [InlineData("https://huggingface.co/owner/noapi/resolve/main/loras/x.safetensors", "loras")]
    [InlineData("https://huggingface.co/owner/badjson/resolve/main/model.safetensors", null)]
    public async Task RemoteMetadata_HubApiFails_StillAnswersFromHead(string url, string? folder)
    {
        var (status, json) = await GetAsync(fixture.Anonymous, url);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(FakeHuggingFace.LfsSize, json.RootElement.GetProperty("content_length").GetInt64());
        Assert.Equal(folder is null ? ["models"] : ["models", folder], Tags(json.RootElement));
    }

    [Fact]
    public async Task RemoteMetadata_RootFileInLoraRepo_TakesFolderFromRepoTags()
    {
        var (status, json) = await GetAsync(fixture.Anonymous, "https://huggingface.co/owner/lora-repo/resolve/main/pytorch_lora_weights.safetensors");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["models", "loras"], Tags(json.RootElement));
        Assert.Single(Fake.Hub.Requests, r => r.Method == "GET"
            && r.PathAndQuery == "/api/models/owner/lora-repo?expand=gated&expand=tags&expand=pipeline_tag&expand=library_name");
    }

    [Fact]
    public async Task RemoteMetadata_HeadAndHubApi_AreSentConcurrently()
    {
        // The fake answers each of the two only once the other has arrived; one after the other would fail.
        Fake.ResetRendezvous();

        var (status, json) = await GetAsync(fixture.Anonymous, "https://huggingface.co/owner/concurrent/resolve/main/pytorch_lora_weights.safetensors");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(FakeHuggingFace.LfsSize, json.RootElement.GetProperty("content_length").GetInt64());
        Assert.Equal(["models", "loras"], Tags(json.RootElement));
        Assert.Single(Fake.Hub.Requests, r => r.Method == "HEAD" && r.PathAndQuery == "/owner/concurrent/resolve/main/pytorch_lora_weights.safetensors");
        Assert.Single(Fake.Hub.Requests, r => r.Method == "GET" && r.PathAndQuery.StartsWith("/api/models/owner/concurrent?", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ContentLocation_ReadThroughCdn_TokenReachesHubButNeverTheCdn()
    {
        // This test makes the flow really touch the CDN: it reads the file's first bytes the way a content check
        // does (the probe's ContentLocation, following the Hub's redirect), then inspects what the CDN received.
        var source = fixture.WithToken.Services.GetServices<IMetadataSource>().OfType<HuggingFaceSource>().Single();
        var egress = fixture.WithToken.Services.GetRequiredService<EgressClient>();

        var probe = await source.ProbeAsync(source.TryRecognize(new Uri("https://huggingface.co/gated-org/gated/blob/main/model.safetensors"))!, new ProbeScope([], [], 0), CancellationToken.None);
        Assert.NotNull(probe.Content);
        Assert.Equal(new Uri(Fake.BaseUrl + "/gated-org/gated/resolve/main/model.safetensors"), probe.Content.Url);
        using var read = await egress.SendAsync(new EgressRequest(HttpMethod.Get, probe.Content.Url, message =>
        {
            probe.Content.Authorize?.Invoke(message);
            message.Headers.Range = new RangeHeaderValue(0, 99);
        }) { BlockedHosts = [] }, CancellationToken.None);
        var bytes = await read.Message.Content.ReadAsByteArrayAsync();

        Assert.Equal(206, read.StatusCode);
        Assert.Equal(FakeHuggingFace.CdnBytes[..100], bytes);
        Assert.Contains(Fake.Hub.Requests, r => r.Method == "GET" && r.PathAndQuery == "/gated-org/gated/resolve/main/model.safetensors"
            && r.Header("Authorization") == "Bearer " + FakeHuggingFace.GrantedToken);
        var cdnRead = Assert.Single(Fake.Cdn.Requests, r => r.PathAndQuery.StartsWith("/xet-bridge-us/gated/", StringComparison.Ordinal));
        Assert.Null(cdnRead.Header("Authorization"));
        Assert.DoesNotContain(Fake.Cdn.Requests, r => r.Header("Authorization") is not null);
    }

    [Fact]
    public void CacheKey_EquivalentForms_ShareOneKeyWithoutToken()
    {
        var source = fixture.WithToken.Services.GetServices<IMetadataSource>().OfType<HuggingFaceSource>().Single();

        var keys = new[]
        {
            "https://huggingface.co/owner/repo/resolve/refs%2Fpr%2F1/model.safetensors",
            "https://hf.co/owner/repo/blob/refs/pr/1/model.safetensors?download=true",
        }.Select(u => source.TryRecognize(new Uri(u))!.CacheKey).Distinct().ToList();

        Assert.Equal(["https://huggingface.co/owner/repo/resolve/refs%2Fpr%2F1/model.safetensors"], keys);
        Assert.Equal("huggingface", source.Name);
    }

    private static List<string> Tags(JsonElement root) => root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList();

    private static async Task<(HttpStatusCode Status, JsonDocument Json)> GetAsync(GatewayFactory gateway, string url)
    {
        using var client = gateway.CreateClient(TestKeys.Default);
        using var response = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(url));
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(body));
    }
}
