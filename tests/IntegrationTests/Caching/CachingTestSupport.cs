using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Caching;

/// <summary>A fake file host whose answers a test can change, and small helpers for the cache tests.</summary>
internal sealed class SwitchableFileHost : IAsyncDisposable
{
    private readonly FakeHost _host;
    private volatile int _status = StatusCodes.Status200OK;
    private long _delayTicks;

    private SwitchableFileHost(FakeHost host) => _host = host;

    /// <summary>The status HEAD answers with; 200 serves the file's headers.</summary>
    public int Status
    {
        get => _status;
        set => _status = value;
    }

    /// <summary>How long HEAD waits before answering.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    public static async Task<SwitchableFileHost> StartAsync(long size = 1234, TimeSpan delay = default)
    {
        SwitchableFileHost? self = null;
        var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/{name}", ["HEAD"], async (HttpContext c, string name) =>
            {
                if (self!.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(self.Delay, c.RequestAborted);
                }
                var status = self!.Status;
                if (status != StatusCodes.Status200OK)
                {
                    c.Response.StatusCode = status;
                    return;
                }
                c.Response.ContentLength = size;
                c.Response.ContentType = "application/octet-stream";
            }));
        self = new SwitchableFileHost(host) { Delay = delay };
        return self;
    }

    public Uri Url(string name) => _host.Url("files/" + name);

    /// <summary>How many requests reached the file (the probes the gateway made for it).</summary>
    public int RequestsFor(string name) => _host.RequestsTo("/files/" + name).Count();

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}

internal static class CacheHttp
{
    public static string MetadataPath(Uri url) => "/api/assets/remote-metadata?url=" + Uri.EscapeDataString(url.AbsoluteUri);

    public static string? CacheStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Cache-Status", out var values) ? string.Join(",", values) : null;

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    public static IEnumerable<string> Codes(JsonElement body, string list) =>
        body.GetProperty("validation").GetProperty(list).EnumerateArray().Select(i => i.GetProperty("code").GetString()!);
}
