namespace ModelGateway.Downloads;

/// <summary>Bounds on the byte streams the gateway serves (<c>Downloads</c> section).</summary>
internal sealed class DownloadOptions
{
    public const string SectionName = "Downloads";

    public const int MaxIdleTimeoutSeconds = 3600;

    public const int MaxConcurrentPerKeyLimit = 1000;

    /// <summary>
    /// A stream on which no byte moves for this long — the file host sends nothing, or the client reads nothing — is
    /// aborted. No total timeout: a large file takes as long as it takes.
    /// </summary>
    public int IdleTimeoutSeconds { get; set; } = 30;

    /// <summary>Streams one API key (an anonymous client: its address) may hold open at once on this replica; 429 beyond.</summary>
    public int MaxConcurrentPerKey { get; set; } = 4;

    public TimeSpan IdleTimeout => TimeSpan.FromSeconds(IdleTimeoutSeconds);
}
