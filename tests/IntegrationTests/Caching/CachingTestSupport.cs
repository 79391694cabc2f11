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

    /// <summary>The status the file's requests are answered with; 200 serves the file.</summary>
    public int Status
    {
        get => _status;
        set => _status = value;
    }

    /// <summary>How long a request for the file waits before it is answered.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>
    /// Serves <c>/files/{name}</c> to HEAD and (Range) GET: <paramref name="file"/>'s bytes for every name, or a valid
    /// safetensors file of exactly <paramref name="size"/> bytes (one U8 tensor, zeros past its header) whose body is
    /// only ever produced for the range asked. Both wait <see cref="Delay"/> and answer <see cref="Status"/> first.
    /// </summary>
    public static async Task<SwitchableFileHost> StartAsync(long size = 1234, TimeSpan delay = default, byte[]? file = null)
    {
        SwitchableFileHost? self = null;
        var header = file ?? SafeTensorsHeader(size);
        var length = file?.Length ?? size;
        var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/{name}", ["HEAD", "GET"], async (HttpContext c, string name) =>
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
                await ServeAsync(c, header, length);
            }));
        self = new SwitchableFileHost(host) { Delay = delay };
        return self;
    }

    // The first bytes of a safetensors file of `size` bytes: its length prefix and JSON header (padded to 8 bytes).
    private static byte[] SafeTensorsHeader(long size)
    {
        var json = "{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}".Length + 48; // room for the numbers
        var headerLength = (json + 7) / 8 * 8;
        var data = size - 8 - headerLength;
        var text = System.Text.Encoding.UTF8.GetBytes($"{{\"w\":{{\"dtype\":\"U8\",\"shape\":[{data}],\"data_offsets\":[0,{data}]}}}}");
        var header = new byte[8 + headerLength];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)headerLength);
        header.AsSpan(8).Fill((byte)' ');
        text.CopyTo(header, 8);
        return header;
    }

    // The file's bytes are `prefix` and then zeros up to `length`; a single "bytes=a-b" range is honoured.
    private static async Task ServeAsync(HttpContext c, byte[] prefix, long length)
    {
        c.Response.ContentType = "application/octet-stream";
        c.Response.Headers.AcceptRanges = "bytes";
        long from = 0, to = length - 1;
        if (System.Net.Http.Headers.RangeHeaderValue.TryParse(c.Request.Headers.Range.ToString(), out var range)
            && range.Ranges.Count == 1 && range.Ranges.First() is { From: { } start } item)
        {
            if (start >= length)
            {
                c.Response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                c.Response.Headers.ContentRange = $"bytes */{length}";
                return;
            }
            (from, to) = (start, Math.Min(item.To ?? length - 1, length - 1));
            c.Response.StatusCode = StatusCodes.Status206PartialContent;
            c.Response.Headers.ContentRange = $"bytes {from}-{to}/{length}";
        }
        c.Response.ContentLength = to - from + 1;
        if (HttpMethods.IsHead(c.Request.Method))
        {
            return;
        }
        var chunk = new byte[64 * 1024];
        for (var position = from; position <= to && !c.RequestAborted.IsCancellationRequested;)
        {
            var count = (int)Math.Min(chunk.Length, to - position + 1);
            Array.Clear(chunk);
            if (position < prefix.Length)
            {
                prefix.AsSpan((int)position, (int)Math.Min(count, prefix.Length - position)).CopyTo(chunk);
            }
            await c.Response.Body.WriteAsync(chunk.AsMemory(0, count), c.RequestAborted);
            position += count;
        }
    }

    public Uri Url(string name) => _host.Url("files/" + name);

    /// <summary>How many requests reached the file (the probes the gateway made for it).</summary>
    public int RequestsFor(string name) => _host.RequestsTo("/files/" + name).Count();

    /// <summary>How many <paramref name="method"/> requests reached the file.</summary>
    public int RequestsFor(string name, string method) =>
        _host.RequestsTo("/files/" + name).Count(r => r.Method == method);

    /// <summary>How many probes asked for the file: requests for its first bytes (each probe's one Range GET).</summary>
    public int ProbesFor(string name) =>
        _host.RequestsTo("/files/" + name).Count(r => r.Method == "GET" && r.Header("Range") is { } range && range.StartsWith("bytes=0-", StringComparison.Ordinal));

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
