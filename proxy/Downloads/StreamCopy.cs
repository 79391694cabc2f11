namespace ModelGateway.Downloads;

/// <summary>
/// One copy for <see cref="StreamCopier"/>: the host's body, the client's, the plan, and the hooks around the first
/// byte.
/// </summary>
internal sealed record StreamCopy(Stream Source, Stream Destination, CopyPlan Plan, TimeSpan IdleTimeout)
{
    /// <summary>How many of the file's first bytes are read and checked before any goes out (a body starting at 0 only).</summary>
    public int HeadBytes { get; init; }

    /// <summary>The checks of the head, in order; the first to refuse ends the copy before anything is sent.</summary>
    public IReadOnlyList<HeadGate> HeadGates { get; init; } = [];

    /// <summary>Called once the head checked out (or at once without a head): the status and headers can be set.</summary>
    public Action? Starting { get; init; }

    /// <summary>Called once, just before the first byte is written to the client.</summary>
    public Action? Sending { get; init; }

    /// <summary>Where the checked bytes also go, if anywhere.</summary>
    public IDownloadSink? Sink { get; init; }
}
