using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Hosting;

/// <summary>
/// The README's quick start, as a newcomer runs it: the built gateway as its own process from the repository root,
/// Development environment, no Redis, the documented development key.
/// </summary>
public sealed class QuickStartTests
{
    [Fact]
    public async Task Process_DevelopmentDefaults_AnswersMetadataWithTheDocumentedDevKey()
    {
        var model = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Quick Start LoRA"));
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/quick.safetensors", ["GET", "HEAD"], () =>
                Results.Bytes(model, "application/octet-stream", enableRangeProcessing: true)));
        var port = FreePort();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = GatewayFactory.RepositoryRoot,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ModelGateway.dll"));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        // The only departure from the quick start: the fake model host is on loopback.
        start.Environment["Egress__AllowPrivateNetworks"] = "true";
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
            await WaitUntilHealthyAsync(client);
            client.DefaultRequestHeaders.Add("X-API-Key", "dev-gateway-key");

            using var response = await client.GetAsync(
                "api/assets/remote-metadata?url=" + Uri.EscapeDataString(host.Url("files/quick.safetensors").AbsoluteUri));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(model.Length, json.RootElement.GetProperty("content_length").GetInt64());
            Assert.Equal("Quick Start LoRA", json.RootElement.GetProperty("name").GetString());
            Assert.Equal(["models", "loras"], json.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            Assert.True(json.RootElement.GetProperty("validation").GetProperty("is_valid").GetBoolean());
            Assert.Equal("MISS", response.Headers.GetValues("X-Cache-Status").Single());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task WaitUntilHealthyAsync(HttpClient client)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var health = await client.GetAsync("healthz");
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (waited.Elapsed < TimeSpan.FromSeconds(60))
            {
            }
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "The gateway did not become healthy within 60 s.");
            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
