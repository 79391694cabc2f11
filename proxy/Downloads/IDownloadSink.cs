namespace ModelGateway.Downloads;

/// <summary>
/// A second destination of a copy's bytes beside the client (a store keeping the file, for one). It is given every
/// chunk of the host's body at its file offset, in order, once the chunk has checked out — when the client's part of
/// it is written — so it never sees the last bytes of a body that turns out wrong. Whether the copy ended well is
/// <see cref="CopyResult.Outcome"/>: a sink keeps what it got only on <see cref="DownloadOutcome.Completed"/>.
/// </summary>
internal interface IDownloadSink
{
    /// <summary>One chunk of the file starting at <paramref name="fileOffset"/>. A sink that fails stops keeping quietly: it must not throw.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, long fileOffset, CancellationToken cancellationToken);
}
