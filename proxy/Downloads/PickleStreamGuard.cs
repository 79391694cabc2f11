using System.Globalization;
using System.Security.Cryptography;
using ModelGateway.Policies;
using ModelGateway.Primitives;

namespace ModelGateway.Downloads;

/// <summary>
/// What a download of a scanned pickle must check on the stream (<c>docs/pickle-scan.md</c>, "On the stream"): its
/// first bytes up to the end of the scanned pickles are read and held before any goes out and must hash as scanned
/// (a range starting inside them is widened to the file's start, so they are checked whatever the client asks), and
/// a torch zip's tail — its central directory to the end — is held back until it hashes as scanned, so a file
/// altered since the scan arrives truncated, without the directory a loader needs. Pure but for the stream it wraps.
/// </summary>
internal static class PickleStreamGuard
{
    /// <summary>How many of the file's first bytes a download holds and checks: the scanned prefix, at least <paramref name="headBytes"/>.</summary>
    public static int HeadBytes(AssetFacts facts, int headBytes)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.PickleReport is { PrefixSha256: not null, PrefixLength: > 0 and var prefix } ? (int)Math.Max(headBytes, prefix) : headBytes;
    }

    /// <summary>The check of the head: the scanned prefix must be there and hash as scanned; null when the facts hold no scan.</summary>
    public static HeadGate? HeadGate(AssetFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (facts.PickleReport is not { PrefixSha256: { } expected, PrefixLength: > 0 and var prefix })
        {
            return null;
        }
        return head =>
        {
            if (head.Length >= prefix && Convert.ToHexStringLower(SHA256.HashData(head.Span[..(int)prefix])) == expected)
            {
                return null;
            }
            return new HeadRefusal(DownloadOutcome.ContentChanged, new GatewayException(StatusCodes.Status403Forbidden,
                ValidationCodes.UnsafePickleScan, "The file host now serves other pickle bytes than the ones the gateway scanned."));
        };
    }

    /// <summary>
    /// Why the client's part cannot be served with the zip's tail checked: it covers part of the central directory
    /// (from its start to the file's end is the only checkable part). Null when it can.
    /// </summary>
    public static GatewayException? RangeRefusal(AssetFacts facts, CopyPlan plan)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(plan);
        if (facts.PickleReport is not { CentralDirectoryOffset: { } central, CentralDirectorySha256: not null, FileLength: { } length })
        {
            return null;
        }
        var to = plan.To ?? length - 1;
        if (to < central || (plan.From <= central && to == length - 1))
        {
            return null;
        }
        return new GatewayException(StatusCodes.Status403Forbidden, ValidationCodes.UnsafePickleScan, string.Create(CultureInfo.InvariantCulture,
            $"This range covers part of the zip's directory (bytes {central}-{length - 1}), which is served only whole, checked against the scan."));
    }

    /// <summary>The client's body, holding a scanned zip's tail back until it checks out; <paramref name="client"/> itself otherwise.</summary>
    public static Stream Wrap(Stream client, AssetFacts facts, CopyPlan plan)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(plan);
        if (facts.PickleReport is not { CentralDirectoryOffset: { } central, CentralDirectorySha256: { } expected, FileLength: { } length }
            || (plan.To ?? length - 1) < central)
        {
            return client;
        }
        return new TailHoldingStream(client, plan.From, central, length, expected);
    }
}

/// <summary>
/// Passes writes through up to file offset <paramref name="holdFrom"/>, then holds every byte to the file's end and
/// writes them only when they hash to <paramref name="expectedSha256"/>; otherwise the write fails, and the client's
/// transfer is aborted without them.
/// </summary>
internal sealed class TailHoldingStream(Stream inner, long startOffset, long holdFrom, long fileLength, string expectedSha256) : Stream
{
    private readonly MemoryStream _held = new();
    private long _position = startOffset;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var passing = (int)Math.Clamp(holdFrom - _position, 0, buffer.Length);
        if (passing > 0)
        {
            await inner.WriteAsync(buffer[..passing], cancellationToken);
        }
        _held.Write(buffer.Span[passing..]);
        _position += buffer.Length;
        if (_position < fileLength)
        {
            return;
        }
        if (_position > fileLength || Convert.ToHexStringLower(SHA256.HashData(_held.GetBuffer().AsSpan(0, (int)_held.Length))) != expectedSha256)
        {
            throw new PickleTailMismatchException();
        }
        await inner.WriteAsync(_held.GetBuffer().AsMemory(0, (int)_held.Length), cancellationToken);
        _held.SetLength(0);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _held.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>A zip's tail is not the one scanned: the transfer ends without it.</summary>
internal sealed class PickleTailMismatchException() : IOException("The zip's directory is not the one the gateway scanned.");
