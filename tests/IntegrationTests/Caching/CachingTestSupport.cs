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

    /// <summary>
    /// Serves <c>/files/{name}</c>: HEAD only, with <paramref name="size"/>; or, given <paramref name="file"/>, HEAD and
    /// (Range) GET of those bytes for every name. Both wait <see cref="Delay"/> and answer <see cref="Status"/> first.
    /// </summary>
    public static async Task<SwitchableFileHost> StartAsync(long size = 1234, TimeSpan delay = default, byte[]? file = null)
    {
        SwitchableFileHost? self = null;
        var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/{name}", file is null ? ["HEAD"] : ["HEAD", "GET"], async (HttpContext c, string name) =>
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
                if (file is not null)
                {
                    await Results.Bytes(file, "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(c);
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

    /// <summary>How many <paramref name="method"/> requests reached the file.</summary>
    public int RequestsFor(string name, string method) =>
        _host.RequestsTo("/files/" + name).Count(r => r.Method == method);

    /// <summary>Requests for any file.</summary>
    public int Requests => _host.RequestsTo("/files/").Count();

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}

internal static class CacheHttp
{
    /// <summary>
    /// A valid PNG of about <paramref name="bytes"/> bytes: the 1x1 test image with a <c>tEXt</c> chunk of that much
    /// text after its header (the way tools embed prompts), so a preview built from it is that large.
    /// </summary>
    public static byte[] LargePng(int bytes)
    {
        var png = ModelGateway.Testing.ModelFiles.Png();
        const int AfterHeader = 8 + 25; // signature, IHDR chunk
        var data = new byte[8 + bytes];
        "Comment\0"u8.CopyTo(data);
        data.AsSpan(8).Fill((byte)'x');
        var chunk = new byte[12 + data.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        "tEXt"u8.CopyTo(chunk.AsSpan(4));
        data.CopyTo(chunk, 8);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length),
            System.IO.Hashing.Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        return [.. png.AsSpan(0, AfterHeader), .. chunk, .. png.AsSpan(AfterHeader)];
    }

    /// <summary>A LoRA safetensors file whose <c>modelspec.thumbnail</c> is <paramref name="thumbnail"/>.</summary>
    public static byte[] LoraWithThumbnail(byte[] thumbnail) => ModelGateway.Testing.ModelFiles.SafeTensors(
        ModelGateway.Testing.ModelFiles.LoraMetadata("Big preview", "data:image/png;base64," + Convert.ToBase64String(thumbnail)));

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
