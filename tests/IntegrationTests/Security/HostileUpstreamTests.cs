using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Egress;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Previews;
using Xunit.Abstractions;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>Timing- and memory-sensitive: runs alone, not beside other collections.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileUpstreamGroup
{
    public const string Name = "Hostile upstreams";
}

public sealed class HostileUpstreamFixture : IAsyncLifetime
{
    public const int TimeoutSeconds = 2;

    public SecurityGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Gateway = new SecurityGateway(new()
        {
            ["Egress:AllowPrivateNetworks"] = "true", // the hostile servers are on loopback, on random ports
            ["Egress:TimeoutSeconds"] = TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, new LoopbackResolver([]));
        // Start and warm the pipeline, so the timings below measure the upstream, not the first request's JIT.
        await Gateway.ProbeAsync("http://missing.invalid/warm-up");
    }

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}

[Collection(HostileUpstreamGroup.Name)]
public sealed class HostileUpstreamTests(HostileUpstreamFixture fixture, ITestOutputHelper output) : IClassFixture<HostileUpstreamFixture>
{
    private const long FiftyMegabytes = 50L * 1024 * 1024;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(HostileUpstreamFixture.TimeoutSeconds);
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task RemoteMetadata_HeadersTrickleSlowly_NetworkTimeoutWithinTimeout()
    {
        await using var server = new RawHttpServer(async (c, ct) =>
        {
            await c.WriteAsync("HTTP/1.1 200 OK\r\nX-Slow: ", ct);
            while (true)
            {
                await c.WriteAsync("a", ct);
                await Task.Delay(100, ct);
            }
        });

        var (status, code, elapsed) = await TimedProbeAsync(server.Url("model.safetensors"));

        Assert.Equal((422, "NETWORK_TIMEOUT"), (status, code));
        Assert.InRange(elapsed, Deadline - TimeSpan.FromMilliseconds(300), Deadline + Slack);
    }

    [Fact]
    public async Task RemoteMetadata_ServerNeverAnswers_NetworkTimeoutWithinTimeout()
    {
        await using var server = new RawHttpServer((_, ct) => Task.Delay(Timeout.Infinite, ct));

        var (status, code, elapsed) = await TimedProbeAsync(server.Url("model.safetensors"));

        Assert.Equal((422, "NETWORK_TIMEOUT"), (status, code));
        Assert.InRange(elapsed, Deadline - TimeSpan.FromMilliseconds(300), Deadline + Slack);
    }

    [Fact]
    public async Task RemoteMetadata_BodyNeverEnds_AnsweredFromHeadersWithoutReadingIt()
    {
        var chunk = Chunk(64 * 1024, (byte)'x');
        await using var server = new RawHttpServer(async (c, ct) =>
        {
            if (c.IsHead)
            {
                await c.WriteAsync("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n", ct);
                return;
            }
            // Range ignored, no length, a body that never ends.
            await c.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
            while (true)
            {
                await c.WriteAsync(chunk, ct);
            }
        });

        var stopwatch = Stopwatch.StartNew();
        var (status, _, body) = await fixture.Gateway.ProbeAsync(server.Url("model.safetensors"));
        stopwatch.Stop();

        output.WriteLine($"{stopwatch.Elapsed}, server wrote {server.BytesWritten}");
        Assert.Equal(200, status);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(-1, json.RootElement.GetProperty("content_length").GetInt64());
        Assert.True(stopwatch.Elapsed < Deadline + Slack, $"took {stopwatch.Elapsed}");
        Assert.True(await server.WaitIdleAsync(TimeSpan.FromSeconds(10)), "the gateway kept the endless body's connection open");
        Assert.True(server.BytesWritten < 16 * 1024 * 1024, $"the server got to write {server.BytesWritten} bytes");
    }

    [Fact]
    public async Task RemoteMetadata_OneMegabyteOfHeaders_NetworkError()
    {
        await using var server = new RawHttpServer(async (c, ct) =>
        {
            await c.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", ct);
            var line = "X-Padding: " + new string('p', 1000) + "\r\n";
            for (var i = 0; i < 1024; i++)
            {
                await c.WriteAsync(line, ct);
            }
            await c.WriteAsync("\r\n0123456789", ct);
        });

        var (status, code, elapsed) = await TimedProbeAsync(server.Url("model.safetensors"));

        Assert.Equal((422, "NETWORK_ERROR"), (status, code));
        Assert.True(elapsed < Deadline + Slack, $"took {elapsed}");
    }

    [Fact]
    public async Task RemoteMetadata_RedirectLoop_HttpError()
    {
        await using var host = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/loop/a", ["GET", "HEAD"], () => Results.Redirect("/loop/b"));
            app.MapMethods("/loop/b", ["GET", "HEAD"], () => Results.Redirect("/loop/a"));
        });

        var (status, code, elapsed) = await TimedProbeAsync(host.Url("loop/a").AbsoluteUri);

        Assert.Equal((422, "HTTP_ERROR"), (status, code));
        Assert.True(elapsed < Deadline + Slack, $"took {elapsed}");
        Assert.InRange(host.Requests.Count, 2, 4);
    }

    [Fact]
    public async Task RemoteMetadata_EndlessDistinctRedirects_HttpErrorAfterMaxRedirects()
    {
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/r/{n:int}", ["GET", "HEAD"], (int n) => Results.Redirect($"/r/{n + 1}")));

        var (status, code, _) = await TimedProbeAsync(host.Url("r/0").AbsoluteUri);

        Assert.Equal((422, "HTTP_ERROR"), (status, code));
        Assert.Equal(6, host.Requests.Count); // the first request and Egress:MaxRedirects (5) hops
    }

    [Fact]
    public async Task ReadBoundedAsync_FiftyMegabyteJsonWithoutLength_FailsAtTheCapWithBoundedMemory()
    {
        var chunk = Chunk(64 * 1024, (byte)'0');
        await using var server = new RawHttpServer(async (c, ct) =>
        {
            await c.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
            for (long sent = 0; sent < FiftyMegabytes; sent += 64 * 1024)
            {
                await c.WriteAsync(chunk, ct);
            }
            await c.WriteAsync("0\r\n\r\n", ct);
        });
        var egress = fixture.Gateway.Services.GetRequiredService<EgressClient>();
        var cap = fixture.Gateway.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<EgressOptions>>().Value.MaxJsonBytes;
        using var deadline = new CancellationTokenSource(Deadline);

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<EgressException>(async () =>
        {
            using var response = await egress.SendAsync(new EgressRequest(HttpMethod.Get, new Uri(server.Url("api/models/1"))) { BlockedHosts = [] }, deadline.Token);
            await EgressBody.ReadBoundedAsync(response.Message, cap, deadline.Token);
        });
        stopwatch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.WriteLine($"allocated {allocated}, server wrote {server.BytesWritten}, {stopwatch.Elapsed}");

        Assert.Equal(EgressFailure.BodyTooLarge, ex.Failure);
        Assert.Equal($"The source's answer is larger than {cap} bytes.", ex.Message);
        Assert.True(stopwatch.Elapsed < Deadline, $"took {stopwatch.Elapsed}");
        Assert.True(allocated < 4L * cap, $"allocated {allocated} bytes for a {cap}-byte cap");
        Assert.True(await server.WaitIdleAsync(TimeSpan.FromSeconds(10)));
        Assert.True(server.BytesWritten < FiftyMegabytes / 2, $"the server got to write {server.BytesWritten} bytes");
    }

    [Fact]
    public async Task ReadJsonBodyAsync_FiftyMegabyteJsonWithLength_FailsBeforeReading()
    {
        var chunk = Chunk(64 * 1024, (byte)'0', chunked: false);
        await using var server = new RawHttpServer(async (c, ct) =>
        {
            await c.WriteAsync($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {FiftyMegabytes}\r\n\r\n", ct);
            for (long sent = 0; sent < FiftyMegabytes; sent += chunk.Length)
            {
                await c.WriteAsync(chunk, ct);
            }
        });
        var egress = fixture.Gateway.Services.GetRequiredService<EgressClient>();
        using var deadline = new CancellationTokenSource(Deadline);

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var ex = await Assert.ThrowsAsync<EgressException>(async () =>
        {
            using var response = await egress.SendAsync(new EgressRequest(HttpMethod.Get, new Uri(server.Url("api/models/1"))) { BlockedHosts = [] }, deadline.Token);
            await response.ReadJsonBodyAsync(deadline.Token);
        });
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.WriteLine($"allocated {allocated}, server wrote {server.BytesWritten}");

        Assert.Equal(EgressFailure.BodyTooLarge, ex.Failure);
        Assert.True(allocated < 4 * 1024 * 1024, $"allocated {allocated} bytes");
        Assert.True(await server.WaitIdleAsync(TimeSpan.FromSeconds(10)));
        Assert.True(server.BytesWritten < FiftyMegabytes / 2, $"the server got to write {server.BytesWritten} bytes");
    }

    [Fact]
    public async Task ReadDataUrlAsync_HtmlServedAsImage_NoPreview()
    {
        var png = ModelGateway.Testing.TestImages.Png;
        await using var host = await FakeHost.StartAsync((app, _) =>
        {
            app.MapGet("/preview.png", () => Results.Text("<html><body>Sign in to view</body></html>", "image/png"));
            app.MapGet("/real.png", () => Results.Bytes(png, "image/png"));
            app.MapGet("/huge.png", (HttpContext c) =>
            {
                c.Response.ContentType = "image/png";
                return c.Response.Body.WriteAsync(png.Concat(new byte[2 * 1024 * 1024]).ToArray()).AsTask();
            });
        });
        var egress = fixture.Gateway.Services.GetRequiredService<EgressClient>();
        using var deadline = new CancellationTokenSource(Deadline);

        async Task<string?> PreviewAsync(string path)
        {
            using var response = await egress.SendAsync(new EgressRequest(HttpMethod.Get, host.Url(path)) { BlockedHosts = [] }, deadline.Token);
            return await PreviewImages.ReadDataUrlAsync(response.Message, PreviewLimits.Default, deadline.Token);
        }

        Assert.Null(await PreviewAsync("preview.png"));
        Assert.Null(await PreviewAsync("huge.png"));
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(png), await PreviewAsync("real.png"));
    }

    [Fact]
    public async Task ReadBoundedAsync_BodyTricklesForever_StopsAtTheCallersDeadline()
    {
        await using var server = new RawHttpServer(async (c, ct) =>
        {
            await c.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
            while (true)
            {
                await c.WriteAsync("1\r\n[\r\n", ct);
                await Task.Delay(100, ct);
            }
        });
        var egress = fixture.Gateway.Services.GetRequiredService<EgressClient>();
        using var deadline = new CancellationTokenSource(Deadline);
        var stopwatch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            using var response = await egress.SendAsync(new EgressRequest(HttpMethod.Get, new Uri(server.Url("api"))) { BlockedHosts = [] }, deadline.Token);
            await EgressBody.ReadBoundedAsync(response.Message, 1024 * 1024, deadline.Token);
        });

        Assert.InRange(stopwatch.Elapsed, Deadline - TimeSpan.FromMilliseconds(300), Deadline + Slack);
    }

    private async Task<(int Status, string? Code, TimeSpan Elapsed)> TimedProbeAsync(string url)
    {
        var stopwatch = Stopwatch.StartNew();
        var (status, code, body) = await fixture.Gateway.ProbeAsync(url);
        output.WriteLine($"{url} → {status} {body} after {stopwatch.Elapsed}");
        return (status, code, stopwatch.Elapsed);
    }

    /// <summary>One HTTP/1.1 chunk of <paramref name="size"/> bytes (or just the bytes).</summary>
    private static byte[] Chunk(int size, byte fill, bool chunked = true)
    {
        var data = new byte[size];
        Array.Fill(data, fill);
        if (!chunked)
        {
            return data;
        }
        return [.. Encoding.ASCII.GetBytes($"{size:x}\r\n"), .. data, .. "\r\n"u8];
    }
}
