using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Sources.CivitAi;
using static ModelGateway.IntegrationTests.Downloads.DownloadEndpointTests;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Downloads;

/// <summary>
/// What flows is what was inspected, and a stream is bounded: a host that changes the bytes after the inspection gets
/// a 422 or an aborted transfer — never a complete 200 —, a stall is aborted after <c>Downloads:IdleTimeoutSeconds</c>
/// (2 s here), one key holds at most <c>Downloads:MaxConcurrentPerKey</c> streams, and a client that leaves cancels the
/// request to the host at once.
/// </summary>
public sealed class StreamIntegrityTests(DownloadHosts hosts) : IClassFixture<DownloadHosts>
{
    [Fact]
    public async Task HostServesPickleAfterInspectingSafetensors_422ContentChanged_NothingSent()
    {
        var file = SafeTensors(300_000, seed: 21);
        hosts.CivitAi.AddDownload(7201, "swap-7201.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        await InspectAsync(client, CivitAiUrl(7201));
        hosts.CivitAi.ReplaceObject(7201, PickleOfLength(file.Length));

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7201)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(("CONTENT_CHANGED", "The file host served other bytes than the ones inspected: \"PickleTensor\" instead of \"SafeTensor\"."),
            await ErrorAsync(response));
    }

    [Fact]
    public async Task HostServesAnotherSizeAfterInspection_422ContentChanged()
    {
        var file = SafeTensors(300_000, seed: 22);
        hosts.CivitAi.AddDownload(7202, "grown-7202.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        await InspectAsync(client, CivitAiUrl(7202));
        hosts.CivitAi.ReplaceObject(7202, [.. file, .. new byte[4096]]);

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7202)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(("CONTENT_CHANGED", $"The file host now serves {file.Length + 4096} bytes; {file.Length} were inspected."),
            await ErrorAsync(response));
    }

    [Fact]
    public async Task CivitAi_PublishedSha256DoesNotMatch_TransferAbortedNeverComplete()
    {
        var file = SafeTensors(300_000, seed: 23);
        hosts.CivitAi.AddDownload(7203, "tampered-7203.safetensors", file, publishedSha256: Sha256(WithLastByteChanged(file)));
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7203)), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(file.Length, response.Content.Headers.ContentLength);
        var (received, failure) = await ReadToEndAsync(response);

        Assert.NotNull(failure);
        Assert.True(received < file.Length, $"{received} bytes of {file.Length} arrived");
    }

    [Fact]
    public async Task HuggingFace_CdnChangesTheTailAfterInspection_TransferAbortedNeverComplete()
    {
        var file = SafeTensors(300_000, seed: 24);
        const string path = "/owner/repo/resolve/main/loras/tail-24.safetensors";
        var sha256 = hosts.HuggingFace.ServeFile(path, file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        await InspectAsync(client, "https://huggingface.co" + path);
        hosts.HuggingFace.ReplaceCdnObject(sha256, WithLastByteChanged(file)); // same head, same size: only the hash tells

        using var response = await client.GetAsync(DownloadPath("https://huggingface.co" + path), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (received, failure) = await ReadToEndAsync(response);

        Assert.NotNull(failure);
        Assert.True(received < file.Length, $"{received} bytes of {file.Length} arrived");
    }

    [Fact]
    public async Task HostSendsMoreThanInspected_TransferAborted()
    {
        var file = SafeTensors(300_000, seed: 25);
        hosts.CivitAi.AddDownload(7205, "longer-7205.safetensors", file);
        // Range reads (the content check) are served right; the download gets the file and more, without a length.
        hosts.CivitAi.HandleObject(7205, async context =>
        {
            if (context.Request.Headers.Range.Count > 0)
            {
                await FakeCivitAi.ObjectResult(file).ExecuteAsync(context);
                return;
            }
            context.Response.ContentType = "application/octet-stream";
            await context.Response.Body.WriteAsync(file);
            await context.Response.Body.WriteAsync(new byte[8192]);
        });
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7205)), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(file.Length, response.Content.Headers.ContentLength); // the inspected size, announced
        var (received, failure) = await ReadToEndAsync(response);

        Assert.NotNull(failure);
        Assert.True(received < file.Length, $"{received} bytes of {file.Length} arrived");
    }

    [Fact]
    public async Task HostStallsMidBody_AbortedAfterIdleTimeout_HostRequestCancelled()
    {
        var file = SafeTensors(400_000, seed: 26);
        hosts.CivitAi.AddDownload(7206, "stall-7206.safetensors", file);
        var hostSawAbort = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hosts.CivitAi.HandleObject(7206, Stalling(file, sendBeforeStall: 200_000, hostSawAbort));
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7206)), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var watch = Stopwatch.StartNew();
        var (received, failure) = await ReadToEndAsync(response).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.NotNull(failure);
        Assert.InRange(received, 100_000, 200_000);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        await hostSawAbort.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task HostStallsBeforeTheHead_422NetworkTimeout()
    {
        var file = SafeTensors(400_000, seed: 27);
        hosts.CivitAi.AddDownload(7207, "stall-7207.safetensors", file);
        hosts.CivitAi.HandleObject(7207, Stalling(file, sendBeforeStall: 0, hostSawAbort: null));
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7207)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(("NETWORK_TIMEOUT", "The file host sent nothing for 2 seconds."), await ErrorAsync(response));
    }

    [Fact]
    public async Task FifthConcurrentStreamOfOneKey_429_OtherKeysAndLaterStreamsServed()
    {
        var file = SafeTensors(400_000, seed: 28);
        hosts.CivitAi.AddDownload(7208, "busy-7208.safetensors", file);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hosts.CivitAi.HandleObject(7208, async context =>
        {
            if (context.Request.Headers.Range.Count > 0)
            {
                await FakeCivitAi.ObjectResult(file).ExecuteAsync(context);
                return;
            }
            context.Response.ContentLength = file.Length;
            await context.Response.Body.WriteAsync(file.AsMemory(0, 200_000));
            await context.Response.Body.FlushAsync();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await context.Response.Body.WriteAsync(file.AsMemory(200_000));
        });
        var settings = hosts.Settings();
        settings["Downloads:IdleTimeoutSeconds"] = "30";
        // Four open streams of one file: with the library, three would wait for the first one's fill (LibraryTests).
        settings["Library:CacheDownloads"] = "false";
        await using var gateway = LoopbackGateway.Start(settings);
        using var client = gateway.Client(TestKeys.Default);
        using var other = gateway.Client(TestKeys.Strict);

        var open = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            var stream = await client.GetAsync(DownloadPath(CivitAiUrl(7208)), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            open.Add(stream);
        }
        using var fifth = await client.GetAsync(DownloadPath(CivitAiUrl(7208)));
        using var otherKeys = await other.GetAsync(DownloadPath(CivitAiUrl(7208)), HttpCompletionOption.ResponseHeadersRead);
        release.SetResult();
        var bodies = await Task.WhenAll(open.Select(r => r.Content.ReadAsByteArrayAsync()));
        open.ForEach(r => r.Dispose());
        using var later = await client.GetAsync(DownloadPath(CivitAiUrl(7208)));

        Assert.Equal(HttpStatusCode.TooManyRequests, fifth.StatusCode);
        Assert.Equal(("RATE_LIMITED", "This key already has 4 downloads open, the most it may hold. Retry after 5 seconds."), await ErrorAsync(fifth));
        Assert.Equal(TimeSpan.FromSeconds(5), fifth.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, otherKeys.StatusCode);
        Assert.All(bodies, body => Assert.Equal(Sha256(file), Sha256(body)));
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Equal(Sha256(file), Sha256(await later.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task ClientLeavesMidStream_HostRequestCancelledAtOnce()
    {
        var file = SafeTensors(400_000, seed: 29);
        hosts.CivitAi.AddDownload(7209, "leave-7209.safetensors", file);
        var hostSawAbort = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hosts.CivitAi.HandleObject(7209, Stalling(file, sendBeforeStall: 200_000, hostSawAbort));
        var settings = hosts.Settings();
        settings["Downloads:IdleTimeoutSeconds"] = "60";
        await using var gateway = LoopbackGateway.Start(settings);
        using var client = gateway.Client(TestKeys.Default);

        var response = await client.GetAsync(DownloadPath(CivitAiUrl(7209)), HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        await body.ReadExactlyAsync(new byte[50_000]);
        var watch = Stopwatch.StartNew();
        response.Dispose();

        await hostSawAbort.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData(0)]        // the status and headers, then the connection drops
    [InlineData(50_000)]   // half of the head the gateway checks first
    public async Task HostBreaksOffBeforeTheHeadIsRead_422NetworkError(int sendBeforeAbort)
    {
        var versionId = 7210 + sendBeforeAbort / 50_000;
        var file = SafeTensors(300_000, seed: 30 + versionId);
        hosts.CivitAi.AddDownload(versionId, $"broken-{versionId}.safetensors", file);
        hosts.CivitAi.HandleObject(versionId, async context =>
        {
            if (context.Request.Headers.Range.Count > 0)
            {
                await FakeCivitAi.ObjectResult(file).ExecuteAsync(context);
                return;
            }
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = file.Length;
            await context.Response.Body.WriteAsync(file.AsMemory(0, sendBeforeAbort));
            await context.Response.Body.FlushAsync();
            await Task.Delay(200); // the gateway has the answer's headers
            context.Abort();
        });
        using var client = hosts.Gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(versionId)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(("NETWORK_ERROR", "The file host broke off the transfer."), await ErrorAsync(response));
    }

    [Fact]
    public async Task HostSendsTheFileEncoded_422ContentChanged_NothingSent()
    {
        var file = SafeTensors(300_000, seed: 31);
        hosts.CivitAi.AddDownload(7212, "gzip-7212.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        await InspectAsync(client, CivitAiUrl(7212));
        var gzipped = Gzip(file);
        hosts.CivitAi.HandleObject(7212, async context =>
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.Headers.ContentEncoding = "gzip";
            context.Response.ContentLength = gzipped.Length;
            await context.Response.Body.WriteAsync(gzipped);
        });

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7212)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(("CONTENT_CHANGED", "The file host sent the file encoded, not its own bytes."), await ErrorAsync(response));
        Assert.Null(response.Content.Headers.ContentEncoding.FirstOrDefault());
    }

    [Fact]
    public async Task HostAnswersAnotherRangeThanAsked_422HttpError()
    {
        var file = SafeTensors(300_000, seed: 32);
        hosts.CivitAi.AddDownload(7213, "range-7213.safetensors", file);
        using var client = hosts.Gateway.Client(TestKeys.Default);
        await InspectAsync(client, CivitAiUrl(7213));
        string? askedOfHost = null;
        hosts.CivitAi.HandleObject(7213, async context =>
        {
            // The client's own range, not the one the gateway asked for (widened to cover the head, from byte 0).
            askedOfHost = context.Request.Headers.Range.ToString();
            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.ContentType = "application/octet-stream";
            context.Response.Headers.ContentRange = $"bytes 1000-1999/{file.Length}";
            context.Response.ContentLength = 1000;
            await context.Response.Body.WriteAsync(file.AsMemory(1000, 1000));
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, DownloadPath(CivitAiUrl(7213)));
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(1000, 1999);

        using var response = await client.SendAsync(request);

        Assert.Equal("bytes=0-102399", askedOfHost); // widened to the head (~100 KB), from byte 0
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(("HTTP_ERROR", "The file host answered with another range than the one asked for."), await ErrorAsync(response));
    }

    [Fact]
    public async Task UnknownSizeAnnouncedLargerThanMaxSize_403FileTooLarge()
    {
        var file = SafeTensors(300_000, seed: 33);
        // A plain file host that tells no size when probed (a Range answer "bytes 0-n/*", HEAD refused), and announces
        // the whole file's Content-Length when it is downloaded.
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/unsized.safetensors", ["GET", "HEAD"], async context =>
            {
                if (HttpMethods.IsHead(context.Request.Method))
                {
                    context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                    return;
                }
                context.Response.ContentType = "application/octet-stream";
                if (context.Request.GetTypedHeaders().Range?.Ranges.SingleOrDefault() is { From: 0, To: { } to })
                {
                    var length = (int)Math.Min(to + 1, file.Length);
                    context.Response.StatusCode = StatusCodes.Status206PartialContent;
                    context.Response.Headers.ContentRange = $"bytes 0-{length - 1}/*";
                    context.Response.ContentLength = length;
                    await context.Response.Body.WriteAsync(file.AsMemory(0, length));
                    return;
                }
                context.Response.ContentLength = file.Length;
                await context.Response.Body.WriteAsync(file);
            }));
        var settings = hosts.Settings();
        settings["Policy:MaxSizeBytes"] = "200000";
        await using var gateway = LoopbackGateway.Start(settings);
        using var client = gateway.Client(TestKeys.Default);
        var url = host.Url("/files/unsized.safetensors").AbsoluteUri;
        using (var metadata = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(url)))
        {
            var facts = await metadata.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
            Assert.Contains("\"content_length\":-1", facts, StringComparison.Ordinal); // the verdict cannot know it is too large
            Assert.Contains("\"is_valid\":true", facts, StringComparison.Ordinal);
        }

        using var response = await client.GetAsync(DownloadPath(url));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(("FILE_TOO_LARGE", $"File size {file.Length} bytes exceeds the limit of 200000 bytes."), await ErrorAsync(response));
        Assert.Contains(host.Requests, r => r.Method == "GET" && r.Header("Range") is null); // the host was asked, then refused
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }
        return output.ToArray();
    }

    /// <summary>Serves Range reads right (the content check); a download gets <paramref name="sendBeforeStall"/> bytes, then nothing.</summary>
    internal static RequestDelegate Stalling(byte[] file, int sendBeforeStall, TaskCompletionSource? hostSawAbort) => async context =>
    {
        if (context.Request.Headers.Range.Count > 0)
        {
            await FakeCivitAi.ObjectResult(file).ExecuteAsync(context);
            return;
        }
        context.Response.ContentLength = file.Length;
        await context.Response.Body.WriteAsync(file.AsMemory(0, sendBeforeStall));
        await context.Response.Body.FlushAsync();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            hostSawAbort?.TrySetResult();
        }
    };

    private static async Task InspectAsync(HttpClient client, string url)
    {
        using var metadata = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(url));
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        Assert.Contains("\"format\":\"SafeTensor\"", await metadata.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Reads the body to its end: how many bytes arrived, and the failure that ended it (null for a clean end).</summary>
    private static async Task<(long Received, Exception? Failure)> ReadToEndAsync(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long received = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                received += read;
            }
            return (received, null);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return (received, ex);
        }
    }
}
