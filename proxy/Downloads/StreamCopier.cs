using System.Buffers;
using System.Security.Cryptography;

namespace ModelGateway.Downloads;

/// <summary>
/// Moves a file's bytes from the host's body to the client and returns how that ended, as YARP's <c>StreamCopier</c>
/// does: it answers nobody and logs nothing. The head is read first and checked (<see cref="StreamCopy.HeadGates"/>);
/// then a fixed pair of buffers moves the body, each chunk written only once the next one has been read (or the body
/// has ended and its length and SHA-256 checked out), so the client never gets the last bytes of a body that turns
/// out wrong. Every read and write must move bytes within the idle timeout; there is no total timeout.
/// </summary>
internal sealed class StreamCopier(TimeProvider time)
{
    // Two per running download (512 KiB). Each chunk is hashed on another thread while the one before it is written:
    // 256 KiB chunks halve that hand-off's cost against 64 KiB ones (bench/README.md, the download benchmark).
    private const int BufferBytes = 256 * 1024;

    /// <summary>
    /// Copies <paramref name="copy"/>; <paramref name="clientAborted"/> is the client's going away. A host that breaks
    /// off is <see cref="DownloadOutcome.HostBrokeOff"/>, a stall <see cref="DownloadOutcome.IdleTimeout"/>, a client
    /// that left <see cref="DownloadOutcome.ClientLeft"/>; the caller decides what the client sees.
    /// </summary>
    public async Task<CopyResult> CopyAsync(StreamCopy copy, CancellationToken clientAborted)
    {
        ArgumentNullException.ThrowIfNull(copy);
        var run = new Run(copy);
        using var hash = copy.Plan.Sha256 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var idleTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(clientAborted, idleTimer.Token);
        var head = ArrayPool<byte>.Shared.Rent(Math.Max(copy.HeadBytes, 1));
        var buffers = new[] { ArrayPool<byte>.Shared.Rent(BufferBytes), ArrayPool<byte>.Shared.Rent(BufferBytes) };
        try
        {
            return await run.CopyAsync(head, buffers, hash, idleTimer, linked.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && clientAborted.IsCancellationRequested)
        {
            return run.Ended(DownloadOutcome.ClientLeft); // nobody reads on; disposing the answer drops the host's connection
        }
        catch (OperationCanceledException) when (idleTimer.IsCancellationRequested)
        {
            return run.Ended(DownloadOutcome.IdleTimeout);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return run.Ended(DownloadOutcome.HostBrokeOff); // a host that breaks off or sends less than it announced; a failed client
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
    }

    /// <summary>One copy's position and what it has written.</summary>
    private sealed class Run(StreamCopy copy)
    {
        private readonly CopyPlan _plan = copy.Plan;
        private long _position = copy.Plan.SourceStart; // the file offset of the next byte read from the host
        private long _written;
        private bool _sending;

        public CopyResult Ended(DownloadOutcome outcome, HeadRefusal? refusal = null) => new(outcome, _written, refusal);

        public async Task<CopyResult> CopyAsync(byte[] head, byte[][] buffers, IncrementalHash? hash, CancellationTokenSource idleTimer,
            CancellationToken token)
        {
            var pending = default(Chunk);
            if (_plan.SourceStart == 0 && copy.HeadBytes > 0)
            {
                var headLength = await ReadHeadAsync(head, idleTimer, token);
                var bytes = head.AsMemory(0, headLength);
                foreach (var gate in copy.HeadGates)
                {
                    if (gate(bytes) is { } refusal)
                    {
                        return Ended(refusal.Outcome, refusal);
                    }
                }
                copy.Starting?.Invoke();
                if (Take(bytes, out pending) is { } refused)
                {
                    return Ended(refused);
                }
                hash?.AppendData(bytes.Span);
            }
            else
            {
                copy.Starting?.Invoke();
            }

            var next = 0;
            while (_plan.To is not { } to || _position <= to)
            {
                var buffer = buffers[next];
                next ^= 1; // the pending chunk lives in the other buffer (or the head's) until it is written
                var read = await ReadAsync(buffer, idleTimer, token);
                if (read == 0)
                {
                    break;
                }
                var bytes = buffer.AsMemory(0, read);
                if (Take(bytes, out var chunk) is { } refused)
                {
                    return Ended(refused); // the pending chunk is never written
                }
                // The chunk is hashed on another thread while the one before it goes out; it is hashed in full before
                // the next read can reuse a buffer, and before the transfer ends either way.
                var hashing = hash is null ? Task.CompletedTask : Task.Run(() => hash.AppendData(bytes.Span), CancellationToken.None);
                try
                {
                    // A chunk is written once the one after it has arrived: never the body's last bytes before the
                    // checks at its end.
                    await WriteAsync(pending, idleTimer, token);
                    pending = chunk;
                }
                finally
                {
                    await hashing;
                }
            }

            if (_plan.To is { } end && _position <= end)
            {
                return Ended(DownloadOutcome.LengthMismatch); // the host's body ended before the part it announced
            }
            if (_plan.FileSize is { } expected && _position != expected)
            {
                return Ended(DownloadOutcome.LengthMismatch); // the host's body ended before the inspected size
            }
            if (hash is not null && Convert.ToHexStringLower(hash.GetHashAndReset()) != _plan.Sha256)
            {
                return Ended(DownloadOutcome.HashMismatch);
            }
            await WriteAsync(pending, idleTimer, token);
            return Ended(DownloadOutcome.Completed);
        }

        /// <summary>Reads the file's first bytes (up to the head's size, the end of the body, or the part asked for).</summary>
        private async Task<int> ReadHeadAsync(byte[] head, CancellationTokenSource idleTimer, CancellationToken token)
        {
            var want = copy.HeadBytes;
            if (_plan.SourceEnd is { } end && end + 1 < want)
            {
                want = (int)(end + 1);
            }
            var length = 0;
            while (length < want)
            {
                var read = await ReadAsync(head.AsMemory(length, want - length), idleTimer, token);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
            return length;
        }

        /// <summary>
        /// Takes a chunk read from the host at <see cref="_position"/>: checks it against the expected size and the size
        /// limit, and gives it with the client's part of it (maybe empty). Non-null: the transfer must be aborted. The
        /// caller hashes the chunk.
        /// </summary>
        private DownloadOutcome? Take(ReadOnlyMemory<byte> bytes, out Chunk chunk)
        {
            chunk = new Chunk(bytes, _position, ReadOnlyMemory<byte>.Empty);
            var start = _position;
            _position += bytes.Length;
            if (_plan.FileSize is { } expected && _position > expected)
            {
                return DownloadOutcome.LengthMismatch; // longer than the expected size
            }
            if (_plan.MaxSize > 0 && _position > _plan.MaxSize)
            {
                return DownloadOutcome.TooLarge; // a file whose size nobody told grows past the policy's limit
            }
            var from = Math.Max(start, _plan.From);
            var to = Math.Min(_position - 1, _plan.To ?? long.MaxValue);
            if (from <= to)
            {
                chunk = chunk with { ClientPart = bytes.Slice((int)(from - start), (int)(to - from + 1)) };
            }
            return null;
        }

        private async Task WriteAsync(Chunk chunk, CancellationTokenSource idleTimer, CancellationToken token)
        {
            if (chunk.Bytes.IsEmpty)
            {
                return;
            }
            Arm(idleTimer);
            if (!chunk.ClientPart.IsEmpty)
            {
                if (!_sending)
                {
                    _sending = true;
                    copy.Sending?.Invoke();
                }
                await copy.Destination.WriteAsync(chunk.ClientPart, token);
                _written += chunk.ClientPart.Length;
            }
            if (copy.Sink is { } sink)
            {
                await sink.WriteAsync(chunk.Bytes, chunk.FileOffset, token);
            }
        }

        private ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationTokenSource idleTimer, CancellationToken token)
        {
            Arm(idleTimer);
            return copy.Source.ReadAsync(buffer, token);
        }

        // Every read and write must move bytes within the idle timeout (each re-arms it).
        private void Arm(CancellationTokenSource idleTimer) => idleTimer.CancelAfter(copy.IdleTimeout);
    }

    /// <summary>Bytes read from the host at <paramref name="FileOffset"/>, and the client's part of them.</summary>
    private readonly record struct Chunk(ReadOnlyMemory<byte> Bytes, long FileOffset, ReadOnlyMemory<byte> ClientPart);
}
