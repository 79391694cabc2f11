using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Downloads;

/// <summary>
/// Many installs download from one storage host at once: every stream gets its own connection to it, none waits
/// behind the others until the egress timeout runs out.
/// </summary>
public sealed class ConcurrentDownloadTests
{
    private const int Downloads = 24;

    [Fact]
    public async Task ManyLongDownloadsFromOneHost_AllComplete()
    {
        var file = DownloadHosts.SafeTensors(200_000, seed: 77);
        await using var storage = await FakeHost.StartAsync((app, _) =>
            app.MapGet("/files/big.safetensors", async (HttpContext context) =>
            {
                if (context.Request.Headers.Range.Count > 0)
                {
                    await Results.Bytes(file, "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context);
                    return;
                }
                // The whole file: its head at once, the rest after longer than the egress timeout.
                context.Response.ContentLength = file.Length;
                await context.Response.Body.WriteAsync(file.AsMemory(0, 1024));
                await context.Response.Body.FlushAsync();
                await Task.Delay(TimeSpan.FromSeconds(2));
                await context.Response.Body.WriteAsync(file.AsMemory(1024));
            }));
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Egress:TimeoutSeconds"] = "1",
            ["Downloads:MaxConcurrentPerKey"] = "32",
        });
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = "/api/assets/download?url=" + Uri.EscapeDataString(storage.Url("files/big.safetensors").AbsoluteUri);
        using (var inspected = await client.GetAsync(path.Replace("download", "remote-metadata", StringComparison.Ordinal)))
        {
            Assert.Equal(HttpStatusCode.OK, inspected.StatusCode);
        }

        var downloads = await Task.WhenAll(Enumerable.Range(0, Downloads).Select(async _ =>
        {
            using var response = await client.GetAsync(path);
            return (response.StatusCode, Length: (await response.Content.ReadAsByteArrayAsync()).Length);
        }));

        Assert.All(downloads, d => Assert.Equal((HttpStatusCode.OK, file.Length), d));
    }
}
