using System.Diagnostics;
using System.Text.Json;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Sources.HuggingFace;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.Downloads;

/// <summary>
/// The real Hugging Face JavaScript client (npm <c>@huggingface/hub</c>, pinned by <c>HuggingFaceClient/package-lock.json</c>
/// and installed with <c>npm ci</c>), run through node with the gateway's <c>/huggingface</c> route as its hub URL and an
/// <c>hf_</c>-form gateway key as its token: it downloads the file as it would from huggingface.co.
/// </summary>
public sealed class HuggingFaceClientTests(DownloadHosts hosts, HuggingFaceClientTests.NodeClient node)
    : IClassFixture<DownloadHosts>, IClassFixture<HuggingFaceClientTests.NodeClient>
{
    [Fact]
    public async Task HubJsClient_GatewayKeyAsToken_DownloadsTheFileThroughTheRoute()
    {
        var file = SafeTensors(300_000, seed: 41);
        var sha256 = hosts.HuggingFace.ServeFile("/owner/repo/resolve/main/loras/client-41.safetensors", file);

        var output = await node.RunAsync("download.mjs", new Uri(hosts.Gateway.Address, "huggingface").AbsoluteUri, HfFormKey,
            "owner/repo", "loras/client-41.safetensors");

        using var result = JsonDocument.Parse(output);
        var root = result.RootElement;
        Assert.Equal(file.Length, root.GetProperty("size").GetInt64());
        Assert.Equal(sha256, root.GetProperty("sha256").GetString());
        Assert.Equal(file.Length, root.GetProperty("infoSize").GetInt64());
        Assert.Equal($"\"{sha256}\"", root.GetProperty("infoEtag").GetString());
        Assert.False(root.GetProperty("xet").GetBoolean());
        // Everything the CDN served went to the gateway (the client was never sent there), without credentials.
        var cdn = hosts.HuggingFace.Cdn.RequestsTo("/xet-bridge-us/files/" + sha256).ToList();
        Assert.NotEmpty(cdn);
        Assert.All(cdn, r => Assert.Equal("ModelGateway/1.0", r.Header("User-Agent")));
        Assert.All(cdn, r => Assert.Null(r.Header("Authorization")));
        // The org's token reached the Hub, never the client's gateway key.
        Assert.All(hosts.HuggingFace.Hub.RequestsTo("/owner/repo/resolve/main/loras/client-41.safetensors"),
            r => Assert.Equal("Bearer " + HuggingFaceToken, r.Header("Authorization")));
        Assert.DoesNotContain(hosts.HuggingFace.Hub.Requests.Concat(hosts.HuggingFace.Cdn.Requests),
            r => r.Headers.Values.Any(v => v.Contains(HfFormKey, StringComparison.Ordinal)));
    }

    /// <summary>The npm folder, installed once per test class with <c>npm ci</c>; runs its scripts with node.</summary>
    public sealed class NodeClient : IAsyncLifetime
    {
        private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
        private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);

        public string Folder { get; } = Path.Combine(GatewayFactory.RepositoryRoot, "tests", "IntegrationTests", "Downloads", "HuggingFaceClient");

        // Several test classes use the folder: one npm ci per test run (two at once would race on node_modules).
        private static readonly SemaphoreSlim InstallOnce = new(1, 1);
        private static bool _installed;

        public async Task InitializeAsync()
        {
            await InstallOnce.WaitAsync();
            try
            {
                if (!_installed)
                {
                    await ExecuteAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], InstallTimeout);
                    _installed = true;
                }
            }
            finally
            {
                InstallOnce.Release();
            }
        }

        public Task DisposeAsync() => Task.CompletedTask;

        /// <summary>Runs <paramref name="script"/> with node; its standard output, or a failure with its standard error.</summary>
        public Task<string> RunAsync(string script, params string[] arguments) => ExecuteAsync("node", [script, .. arguments], RunTimeout);

        /// <summary>Runs <paramref name="program"/> in the folder (another client there: Python); its standard output, or a failure.</summary>
        public async Task<string> ExecuteAsync(string program, string[] arguments, TimeSpan timeout)
        {
            var start = new ProcessStartInfo(program)
            {
                WorkingDirectory = Folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            using var process = StartOrExplain(start);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout}.");
            }
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{program} {arguments[0]} exited with {process.ExitCode}: {await stderr}");
            }
            return await stdout;
        }

        private static Process StartOrExplain(ProcessStartInfo start)
        {
            try
            {
                return Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new InvalidOperationException(
                    $"This test runs the npm package @huggingface/hub with node: install Node.js 18 or later (with npm). {start.FileName}: {ex.Message}", ex);
            }
        }
    }
}
