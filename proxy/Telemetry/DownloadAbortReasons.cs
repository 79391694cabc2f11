namespace ModelGateway.Telemetry;

/// <summary>Why a download was cut off after its first byte (<see cref="GatewayMetrics.DownloadAborted"/>).</summary>
internal static class DownloadAbortReasons
{
    /// <summary>The bytes did not hash to the SHA-256 the source published.</summary>
    public const string IntegrityMismatch = "integrity_mismatch";

    /// <summary>The body was longer or shorter than the inspected size (an integrity abort too).</summary>
    public const string LengthMismatch = "length_mismatch";

    /// <summary>A file whose size nobody told grew past the policy's size limit.</summary>
    public const string TooLarge = "too_large";

    /// <summary>No byte moved for <c>Downloads:IdleTimeoutSeconds</c>.</summary>
    public const string IdleTimeout = "idle_timeout";

    /// <summary>The upstream broke off or failed mid-stream.</summary>
    public const string UpstreamFailed = "upstream_failed";

    /// <summary>The client went away.</summary>
    public const string ClientDisconnected = "client_disconnected";
}
