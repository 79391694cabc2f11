using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Caching;

public sealed class UnverifiedContentTests
{
    [Fact]
    public async Task ContentReadFailedOnce_UnverifiedFactsRetriedAfterFailureRetryNotAfterTtl()
    {
        var model = ModelFiles.SafeTensors();
        var contentReads = 0;
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/flaky.safetensors", ["GET", "HEAD"], async (HttpContext context) =>
            {
                if (HttpMethods.IsGet(context.Request.Method) && Interlocked.Increment(ref contentReads) == 1)
                {
                    // A passing failure: the answer breaks off after its headers, so only the bytes are missing.
                    context.Response.StatusCode = StatusCodes.Status206PartialContent;
                    context.Response.Headers.ContentRange = $"bytes 0-{model.Length - 1}/{model.Length}";
                    context.Response.ContentLength = model.Length;
                    await context.Response.Body.WriteAsync(model.AsMemory(0, 100));
                    await context.Response.Body.FlushAsync();
                    await Task.Delay(200); // the headers reach the gateway before the reset
                    context.Abort();
                    return;
                }
                await Results.Bytes(model, "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context);
            }));
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["MetadataCache:TtlSeconds"] = "3600",
            ["MetadataCache:FailureRetrySeconds"] = "1",
        });
        using var client = gateway.CreateClient(TestKeys.Default);
        var path = "/api/assets/remote-metadata?url=" + Uri.EscapeDataString(host.Url("files/flaky.safetensors").AbsoluteUri);

        var first = await GetAsync(client, path);
        var second = await GetAsync(client, path);
        // FailureRetrySeconds is 1 and the TTL an hour: the content check must be tried again within seconds.
        // (Polled rather than one fixed wait, so a busy machine cannot make the test flaky.)
        var waited = System.Diagnostics.Stopwatch.StartNew();
        string later;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
            later = await GetAsync(client, path);
        }
        while (later.Contains("FORMAT_UNVERIFIED", StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(30));

        Assert.Equal("MISS FORMAT_UNVERIFIED", first);
        Assert.Equal("HIT FORMAT_UNVERIFIED", second);
        Assert.Equal("MISS", later);
        Assert.Equal(2, contentReads);
    }

    /// <summary>"X-Cache-Status warning-codes…" of one answer.</summary>
    private static async Task<string> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var warnings = json.RootElement.GetProperty("validation").GetProperty("warnings").EnumerateArray()
            .Select(w => w.GetProperty("code").GetString()!).ToArray();
        return string.Join(' ', [response.Headers.GetValues("X-Cache-Status").Single(), .. warnings]);
    }
}
