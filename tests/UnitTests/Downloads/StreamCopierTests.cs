using System.Security.Cryptography;
using ModelGateway.Downloads;
using ModelGateway.Primitives;

namespace ModelGateway.UnitTests.Downloads;

public sealed class StreamCopierTests
{
    private const int HeadBytes = 100 * 1024;
    private static readonly byte[] File = Enumerable.Range(0, 600 * 1024).Select(i => (byte)(i * 7 % 251)).ToArray();
    private static readonly string FileSha256 = Convert.ToHexStringLower(SHA256.HashData(File));

    [Fact]
    public async Task CopyAsync_WholeFileThatChecksOut_ClientAndSinkGetEveryByte()
    {
        var client = new MemoryStream();
        var sink = new RecordingSink();
        var calls = new List<string>();
        var copy = new StreamCopy(new MemoryStream(File), client, WholeFile(FileSha256), TimeSpan.FromSeconds(30))
        {
            HeadBytes = HeadBytes,
            HeadGates = [head => { calls.Add($"gate {head.Length}"); return null; }],
            Starting = () => calls.Add("starting"),
            Sending = () => calls.Add("sending"),
            Sink = sink,
        };

        var result = await new StreamCopier(TimeProvider.System).CopyAsync(copy, CancellationToken.None);

        Assert.Equal(new CopyResult(DownloadOutcome.Completed, File.Length), result);
        Assert.Equal(File, client.ToArray());
        Assert.Equal(File, sink.Bytes.ToArray());
        Assert.Equal([0L, HeadBytes, HeadBytes + (256 * 1024)], sink.Offsets);
        Assert.Equal(["gate 102400", "starting", "sending"], calls);
    }

    [Fact]
    public async Task CopyAsync_HashMismatch_LastChunkNeverReachesClientOrSink()
    {
        var client = new MemoryStream();
        var sink = new RecordingSink();
        var copy = new StreamCopy(new MemoryStream(File), client, WholeFile(new string('0', 64)), TimeSpan.FromSeconds(30))
        {
            HeadBytes = HeadBytes,
            Sink = sink,
        };

        var result = await new StreamCopier(TimeProvider.System).CopyAsync(copy, CancellationToken.None);

        // The head and the first full buffer went out; the body's last 244 KiB waited for the hash and were held back.
        Assert.Equal(new CopyResult(DownloadOutcome.HashMismatch, HeadBytes + (256 * 1024)), result);
        Assert.Equal(File.AsSpan(0, HeadBytes + (256 * 1024)).ToArray(), client.ToArray());
        Assert.Equal(client.ToArray(), sink.Bytes.ToArray());
    }

    [Fact]
    public async Task CopyAsync_HeadGateRefuses_NothingSentAndNothingStarted()
    {
        var client = new MemoryStream();
        var sink = new RecordingSink();
        var refusal = new HeadRefusal(DownloadOutcome.ContentChanged, GatewayException.SourceFailed(ErrorCodes.ContentChanged, "other bytes"));
        var started = false;
        var copy = new StreamCopy(new MemoryStream(File), client, WholeFile(FileSha256), TimeSpan.FromSeconds(30))
        {
            HeadBytes = HeadBytes,
            HeadGates = [_ => null, _ => refusal],
            Starting = () => started = true,
            Sink = sink,
        };

        var result = await new StreamCopier(TimeProvider.System).CopyAsync(copy, CancellationToken.None);

        Assert.Equal(new CopyResult(DownloadOutcome.ContentChanged, 0, refusal), result);
        Assert.False(started);
        Assert.Equal(0, client.Length);
        Assert.Empty(sink.Offsets);
    }

    [Fact]
    public async Task CopyAsync_RangeInsideAWidenedBody_ClientGetsItsPartSinkGetsTheBody()
    {
        var client = new MemoryStream();
        var sink = new RecordingSink();
        // The host was asked for 0-160000 (the client's 50000-160000 widened to the head).
        var body = new MemoryStream(File, 0, 160_001);
        var plan = new CopyPlan(SourceStart: 0, SourceEnd: 160_000, From: 50_000, To: 160_000, Sha256: null, FileSize: null, MaxSize: 0);
        var copy = new StreamCopy(body, client, plan, TimeSpan.FromSeconds(30)) { HeadBytes = HeadBytes, Sink = sink };

        var result = await new StreamCopier(TimeProvider.System).CopyAsync(copy, CancellationToken.None);

        Assert.Equal(new CopyResult(DownloadOutcome.Completed, 110_001), result);
        Assert.Equal(File.AsSpan(50_000, 110_001).ToArray(), client.ToArray());
        Assert.Equal(File.AsSpan(0, 160_001).ToArray(), sink.Bytes.ToArray());
    }

    [Fact]
    public async Task CopyAsync_UnknownSizeGrowsPastTheLimit_TooLargeBeforeThoseBytesGoOut()
    {
        var client = new MemoryStream();
        var plan = new CopyPlan(0, null, 0, null, null, FileSize: null, MaxSize: 200 * 1024);
        var copy = new StreamCopy(new MemoryStream(File), client, plan, TimeSpan.FromSeconds(30)) { HeadBytes = HeadBytes };

        var result = await new StreamCopier(TimeProvider.System).CopyAsync(copy, CancellationToken.None);

        Assert.Equal(new CopyResult(DownloadOutcome.TooLarge, 0), result); // the head was pending when the next chunk crossed the limit
        Assert.Equal(0, client.Length);
    }

    [Fact]
    public async Task CopyAsync_BodyShorterThanTheFile_LengthMismatch()
    {
        var client = new MemoryStream();
        var copy = new StreamCopy(new MemoryStream(File, 0, File.Length - 1), client, WholeFile(sha256: null), TimeSpan.FromSeconds(30))
        {
            HeadBytes = HeadBytes,
        };

        var result = await new StreamCopier(TimeProvider.System).CopyAsync(copy, CancellationToken.None);

        Assert.Equal(DownloadOutcome.LengthMismatch, result.Outcome);
        Assert.True(client.Length < File.Length - 1);
    }

    private static CopyPlan WholeFile(string? sha256) => new(0, File.Length - 1, 0, null, sha256, File.Length, MaxSize: 0);

    private sealed class RecordingSink : IDownloadSink
    {
        public MemoryStream Bytes { get; } = new();

        public List<long> Offsets { get; } = [];

        public ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, long fileOffset, CancellationToken cancellationToken)
        {
            Assert.Equal(Bytes.Length, fileOffset);
            Offsets.Add(fileOffset);
            Bytes.Write(chunk.Span);
            return ValueTask.CompletedTask;
        }
    }
}
