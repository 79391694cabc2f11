namespace ModelGateway.Downloads;

/// <summary>How a request for a file's bytes ended (logged with every download).</summary>
internal enum DownloadOutcome
{
    /// <summary>Every byte of the client's part was sent and checked out.</summary>
    Completed,

    /// <summary>A HEAD was answered.</summary>
    Head,

    /// <summary>The caller's policy refuses the file (403).</summary>
    Refused,

    /// <summary>The caller holds <c>Downloads:MaxConcurrentPerKey</c> streams already (429).</summary>
    TooManyStreams,

    /// <summary>The file host answered 304 to the client's <c>If-None-Match</c>.</summary>
    NotModified,

    /// <summary>The file has no byte at the range's start (416).</summary>
    RangeNotSatisfiable,

    /// <summary>The file host answered with an error status (422).</summary>
    SourceFailed,

    /// <summary>The head showed another format than inspected, or the host announced another size (422, nothing sent).</summary>
    ContentChanged,

    /// <summary>The whole file's SHA-256 is not the one its source published: aborted.</summary>
    HashMismatch,

    /// <summary>The body was longer or shorter than the inspected size: aborted.</summary>
    LengthMismatch,

    /// <summary>A file whose size was unknown grew past <c>Policy:MaxSizeBytes</c>: aborted.</summary>
    TooLarge,

    /// <summary>No byte moved for <c>Downloads:IdleTimeoutSeconds</c>.</summary>
    IdleTimeout,

    /// <summary>The host broke off the body (or the client's connection failed).</summary>
    HostBrokeOff,

    /// <summary>The client went away; the upstream request was cancelled.</summary>
    ClientLeft,
}
