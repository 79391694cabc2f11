using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Telemetry;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Hosting;

/// <summary>
/// The shipped entry point for real: nginx with deploy/nginx.conf (only its upstream and listen addresses moved to
/// loopback ports) in front of two gateway processes configured as docker-compose.yml configures the replicas.
/// Requests spread over both replicas, the replicas see the real client's address and not what a client claims,
/// <c>/metrics</c> is not passed on, and a large forwarded file streams through intact.
/// </summary>
public sealed class EntryPointTests(EntryPointFixture fixture) : IClassFixture<EntryPointFixture>
{
    [Fact]
    public async Task EntryPoint_Requests_SpreadOverBothReplicas()
    {
        using var client = new HttpClient { BaseAddress = fixture.Entry };
        client.DefaultRequestHeaders.Add("X-API-Key", TestKeys.Default);

        for (var i = 0; i < 6; i++)
        {
            using var response = await client.GetAsync("api/assets/remote-metadata?url=" + Uri.EscapeDataString(fixture.Files.Url("files/model.safetensors").AbsoluteUri));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var answered = new List<double>();
        foreach (var replica in fixture.Replicas)
        {
            using var direct = new HttpClient { BaseAddress = replica.BaseAddress };
            var samples = PrometheusText.Parse(await direct.GetStringAsync("metrics"));
            answered.Add(samples.Where(s => s.Name == "modelgateway_metadata_answers_total").Sum(s => s.Value));
        }
        Assert.Equal(6, answered.Sum());
        Assert.All(answered, count => Assert.True(count > 0, $"A replica answered nothing: {string.Join(", ", answered)}."));
    }

    [Fact]
    public async Task EntryPoint_ClientClaimingAnotherAddress_ReplicaAuditsTheRealOne()
    {
        using var client = LoopbackClient.From(IPAddress.Parse("127.0.0.2"));
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Entry, "api/assets/remote-metadata?url=https%3A%2F%2Fexample.com%2Fa.safetensors"));
        request.Headers.Add("X-Forwarded-For", "203.0.113.66");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var line = await Task.WhenAny(fixture.Replicas.Select(r => r.WaitForOutputAsync(l => l.Contains("\"MissingApiKey\"", StringComparison.Ordinal)
            || l.Contains("Refused 401 UNAUTHORIZED: no API key", StringComparison.Ordinal))));
        using var json = JsonDocument.Parse(await line);
        Assert.Equal("127.0.0.2", json.RootElement.GetProperty("State").GetProperty("ClientAddress").GetString());
    }

    [Fact]
    public async Task EntryPoint_OperatorEndpoints_HealthPassedOnMetricsNot()
    {
        using var client = new HttpClient { BaseAddress = fixture.Entry };

        using var ready = await client.GetAsync("healthz/ready");
        using var metrics = await client.GetAsync("metrics");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
    }

    [Theory]
    [InlineData("/Metrics")]
    [InlineData("/METRICS")]
    [InlineData("/metrics/")]
    [InlineData("/Metrics/")]
    [InlineData("//metrics")]
    [InlineData("/%6Detrics")]
    [InlineData("/metrics/x")]
    public async Task EntryPoint_MetricsInAnyCaseOrWithASlash_404WithoutTheKeysNames(string path)
    {
        // Row 6 of the fail-closed review: the replicas answer these with the metrics (key names, refusal counts).
        using var client = new HttpClient();

        using var response = await client.GetAsync(fixture.Entry.AbsoluteUri.TrimEnd('/') + path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("modelgateway", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EntryPoint_LargeForwardedFile_StreamsThroughIntact()
    {
        using var client = new HttpClient { BaseAddress = fixture.Entry };
        client.DefaultRequestHeaders.Add("X-API-Key", TestKeys.Default);

        using var response = await client.GetAsync("civitai/api/download/models/7", HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(EntryPointFixture.LargeFile.Length, body.Length);
        Assert.True(EntryPointFixture.LargeFile.AsSpan().SequenceEqual(body));
    }
}

/// <summary>Two gateway processes configured as the compose replicas, and nginx with the shipped configuration in front.</summary>
public sealed class EntryPointFixture : IAsyncLifetime
{
    public static readonly byte[] LargeFile = System.Security.Cryptography.RandomNumberGenerator.GetBytes(8 * 1024 * 1024);
    private readonly DirectoryInfo _nginxRoot = Directory.CreateTempSubdirectory("gateway-nginx-");
    private Process? _nginx;

    public FakeHost Files { get; private set; } = null!;

    public GatewayProcess[] Replicas { get; private set; } = [];

    public Uri Entry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var model = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Balanced LoRA"));
        Files = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () => Results.Bytes(model, "application/octet-stream", enableRangeProcessing: true));
            app.MapGet("/api/download/models/{id}", () => Results.Bytes(LargeFile, "application/octet-stream"));
        });
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["ApiKeys__0__Name"] = "team-a",
            ["ApiKeys__0__KeySha256"] = TestKeys.Sha256Hex(TestKeys.Default),
            ["Egress__AllowPrivateNetworks"] = "true",
            ["ReverseProxy__Clusters__civitai__Destinations__civitai__Address"] = Files.BaseUri.AbsoluteUri,
            // Plain forwarding to a file server that is no CivitAI: these tests are about the entry point.
            ["ReverseProxy__Routes__civitai__Metadata__EnforcePolicy"] = "false",
            // As the compose file trusts its network: here nginx connects from 127.0.0.1.
            ["ForwardedHeaders__KnownProxies__0"] = "127.0.0.1",
            ["Logging__Console__FormatterName"] = "json",
        };
        Replicas = await Task.WhenAll(GatewayProcess.StartAsync(GatewayFactory.RepositoryRoot, environment),
            GatewayProcess.StartAsync(GatewayFactory.RepositoryRoot, environment));
        Entry = await StartNginxAsync();
    }

    public async Task DisposeAsync()
    {
        if (_nginx is { HasExited: false })
        {
            _nginx.Kill(entireProcessTree: true);
            await _nginx.WaitForExitAsync();
        }
        _nginx?.Dispose();
        foreach (var replica in Replicas)
        {
            await replica.DisposeAsync();
        }
        await Files.DisposeAsync();
        _nginxRoot.Delete(recursive: true);
    }

    private async Task<Uri> StartNginxAsync()
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("These tests run the shipped nginx configuration: install nginx (apt-get install -y nginx).");
        var port = FreePort();
        var conf = File.ReadAllText(Path.Combine(GatewayFactory.RepositoryRoot, "deploy", "nginx.conf"))
            .Replace("server gateway-1:8080", $"server {Replicas[0].BaseAddress.Authority}", StringComparison.Ordinal)
            .Replace("server gateway-2:8080", $"server {Replicas[1].BaseAddress.Authority}", StringComparison.Ordinal)
            .Replace("listen 80;", $"listen 127.0.0.1:{port};", StringComparison.Ordinal)
            .Replace("pid /tmp/nginx.pid;", $"pid {Path.Combine(_nginxRoot.FullName, "nginx.pid")};", StringComparison.Ordinal);
        Assert.Contains($"listen 127.0.0.1:{port};", conf, StringComparison.Ordinal);
        Directory.CreateDirectory(Path.Combine(_nginxRoot.FullName, "logs"));
        var path = Path.Combine(_nginxRoot.FullName, "nginx.conf");
        await File.WriteAllTextAsync(path, conf);
        var start = new ProcessStartInfo(nginx)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-p", _nginxRoot.FullName, "-c", path, "-g", "daemon off;" })
        {
            start.ArgumentList.Add(argument);
        }
        _nginx = Process.Start(start)!;
        _nginx.OutputDataReceived += (_, _) => { };
        _nginx.ErrorDataReceived += (_, _) => { };
        _nginx.BeginOutputReadLine();
        _nginx.BeginErrorReadLine();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return new Uri($"http://127.0.0.1:{port}/");
            }
            catch (SocketException) when (waited.Elapsed < TimeSpan.FromSeconds(10) && !_nginx.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
