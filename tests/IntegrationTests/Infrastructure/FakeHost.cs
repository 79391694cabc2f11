using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ModelGateway.IntegrationTests.Infrastructure;

/// <summary>A request a fake host received, as it arrived.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The request target exactly as it came on the wire (Kestrel's path decodes all but <c>%2F</c>, <c>%25</c> included).</summary>
    public string? RawTarget { get; init; }
}

/// <summary>
/// A real HTTP server on 127.0.0.1 with an OS-chosen port: the model hosts the tests point the gateway at. Records
/// every request and counts the body bytes it wrote.
/// </summary>
public sealed class FakeHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _bytesServed;

    private FakeHost(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public long BytesServed => Interlocked.Read(ref _bytesServed);

    public IEnumerable<RecordedRequest> RequestsTo(string pathPrefix) =>
        Requests.Where(r => r.PathAndQuery.StartsWith(pathPrefix, StringComparison.Ordinal));

    /// <summary>Starts a host whose endpoints <paramref name="map"/> adds.</summary>
    public static async Task<FakeHost> StartAsync(Action<WebApplication, FakeHost> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.Limits.MaxResponseBufferSize = null;
        });
        var app = builder.Build();
        var host = new FakeHost(app);
        app.Use(async (context, next) =>
        {
            host.Requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase))
            {
                RawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget,
            });
            var counting = new CountingStream(context.Response.Body, host);
            context.Response.Body = counting;
            await next(context);
        });
        map(app, host);
        await app.StartAsync();
        host.BaseUri = new Uri(app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return host;
    }

    /// <summary>An absolute URL on this host.</summary>
    public Uri Url(string pathAndQuery) => new(BaseUri, pathAndQuery.TrimStart('/'));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TimeSpan.FromSeconds(2));
        await _app.DisposeAsync();
    }

    private sealed class CountingStream(Stream inner, FakeHost host) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Interlocked.Add(ref host._bytesServed, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Interlocked.Add(ref host._bytesServed, buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
