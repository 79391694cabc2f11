using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Sources.HuggingFace;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.Forwarding;

/// <summary>
/// Hugging Face clients pointed at <c>/huggingface</c> stay on the gateway: a paginated tree listing walked by the real
/// <c>@huggingface/hub</c> (node) and by Python <c>requests</c> as <c>huggingface_hub</c> walks it — the Hub's absolute
/// <c>Link: rel="next"</c> URLs rewritten to the gateway, no <c>xetHash</c> in the entries or in paths-info — and a Xet
/// token request refused (403) without ever reaching the Hub.
/// </summary>
public sealed class HuggingFaceLeakTests(DownloadHosts hosts, HuggingFaceClientTests.NodeClient node)
    : IClassFixture<DownloadHosts>, IClassFixture<HuggingFaceClientTests.NodeClient>
{
    private const int PageSize = 2;

    [Fact]
    public async Task HubJsClient_PaginatedTreeAndPathsInfo_NoHubUrlNoXetHash_XetToken403()
    {
        const string repo = "owner/tree-js";
        ServePaginatedTree(repo);

        var output = await node.RunAsync("tree.mjs", HubUrl, HfFormKey, repo);

        AssertStayedOnTheGateway(repo, output);
    }

    [Fact]
    public async Task PythonRequests_PaginatedTreeAndPathsInfo_NoHubUrlNoXetHash_XetToken403()
    {
        const string repo = "owner/tree-py";
        ServePaginatedTree(repo);

        var output = await RunPythonAsync("walk_tree.py", HubUrl, HfFormKey, repo);

        AssertStayedOnTheGateway(repo, output);
    }

    private string HubUrl => new Uri(hosts.Gateway.Address, "huggingface").AbsoluteUri;

    private void AssertStayedOnTheGateway(string repo, string output)
    {
        using var result = JsonDocument.Parse(output);
        var root = result.RootElement;
        var urls = root.GetProperty("urls").EnumerateArray().Select(u => u.GetString()!).ToList();
        var tree = $"{HubUrl}/api/models/{repo}/tree/main";
        // Three pages, each asked of the gateway: the Hub's next-page URLs (its public origin, then its own address) were
        // rewritten to the route.
        Assert.Equal(5, urls.Count);
        Assert.StartsWith(tree + "?", urls[0], StringComparison.Ordinal);
        Assert.Equal($"{tree}?recursive=true&expand=true&cursor=page2", urls[1]);
        Assert.Equal($"{tree}?recursive=true&expand=true&cursor=page3", urls[2]);
        Assert.Equal($"{HubUrl}/api/models/{repo}/paths-info/main", urls[3]);
        Assert.All(urls, u => Assert.StartsWith(HubUrl + "/", u, StringComparison.Ordinal));
        Assert.DoesNotContain("huggingface.co", output, StringComparison.Ordinal);
        Assert.DoesNotContain(hosts.HuggingFace.Hub.BaseUri.Authority, output, StringComparison.Ordinal);

        var entries = root.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["dir", "a.safetensors", "dir/b.safetensors", "dir/c.safetensors", "d.safetensors", "e.safetensors"],
            entries.Select(e => e.GetProperty("path").GetString()));
        Assert.All(entries, e => Assert.False(e.TryGetProperty("xetHash", out _)));
        // Everything else about an entry is as the Hub said.
        Assert.Equal(LfsSha(1), entries[1].GetProperty("lfs").GetProperty("oid").GetString());
        Assert.Equal(1_000_001, entries[1].GetProperty("size").GetInt64());
        var infos = root.GetProperty("infos").EnumerateArray().ToList();
        Assert.Equal("dir", Assert.Single(infos).GetProperty("path").GetString());
        Assert.DoesNotContain("xetHash", output, StringComparison.Ordinal);

        Assert.Equal(403, root.GetProperty("tokenStatus").GetInt32());
        using var token = JsonDocument.Parse(root.GetProperty("tokenBody").GetString()!);
        Assert.Equal("XET_NOT_SUPPORTED", token.RootElement.GetProperty("code").GetString());
        Assert.Empty(hosts.HuggingFace.Hub.RequestsTo($"/api/models/{repo}/xet-read-token"));

        // The Hub saw the three pages and the paths-info from the gateway, with the org's token, never the client's key.
        var listed = hosts.HuggingFace.Hub.RequestsTo($"/api/models/{repo}/tree/main").ToList();
        Assert.Equal(3, listed.Count);
        Assert.All(listed.Concat(hosts.HuggingFace.Hub.RequestsTo($"/api/models/{repo}/paths-info")),
            r => Assert.Equal("Bearer " + HuggingFaceToken, r.Header("Authorization")));
        Assert.DoesNotContain(hosts.HuggingFace.Hub.Requests, r => r.Headers.Values.Any(v => v.Contains(HfFormKey, StringComparison.Ordinal)));
    }

    /// <summary>
    /// A tree listing of three pages, as the Hub serves it: the first page's next link on the Hub's public origin, the
    /// second's on the address the Hub was asked at, every file with its <c>xetHash</c>; and paths-info with one too.
    /// </summary>
    private void ServePaginatedTree(string repo)
    {
        var pages = new Dictionary<string, (object[] Entries, string? Next)>
        {
            [""] = ([Directory("dir"), File("a.safetensors", 1)], $"https://huggingface.co/api/models/{repo}/tree/main?recursive=true&expand=true&cursor=page2"),
            ["page2"] = ([File("dir/b.safetensors", 2), File("dir/c.safetensors", 3)],
                $"{hosts.HuggingFace.BaseUrl}/api/models/{repo}/tree/main?recursive=true&expand=true&cursor=page3"),
            ["page3"] = ([File("d.safetensors", 4), File("e.safetensors", 5)], null),
        };
        hosts.HuggingFace.Route($"/api/models/{repo}/tree/main", async context =>
        {
            var (entries, next) = pages[context.Request.Query["cursor"].ToString()];
            if (next is not null)
            {
                context.Response.Headers.Link = $"<{next}>; rel=\"next\"";
            }
            await context.Response.WriteAsJsonAsync(entries);
        });
        hosts.HuggingFace.Route($"/api/models/{repo}/paths-info/main", async context =>
        {
            Assert.Equal("POST", context.Request.Method);
            await context.Response.WriteAsJsonAsync(new object[] { Directory("dir") with { XetHash = new string('f', 64) } });
        });
        hosts.HuggingFace.Route($"/api/models/{repo}/xet-read-token/main", context =>
            context.Response.WriteAsJsonAsync(new { accessToken = "xet-token", casUrl = "https://cas-server.xethub.hf.co", exp = 1 }));
    }

    private static TreeEntry Directory(string path) => new("directory", "0", 0, path, null, null);

    private static TreeEntry File(string path, int n) =>
        new("file", new string('b', 40), 1_000_000 + n, path, new Lfs(LfsSha(n), 1_000_000 + n, 134), new string('e', 63) + n);

    private static string LfsSha(int n) => new string('a', 63) + n;

    private Task<string> RunPythonAsync(string script, params string[] arguments) =>
        node.ExecuteAsync("python3", [script, .. arguments], TimeSpan.FromMinutes(1));

    private sealed record Lfs(string Oid, long Size, int PointerSize);

    private sealed record TreeEntry(string Type, string Oid, long Size, string Path, Lfs? Lfs, string? XetHash);
}
