namespace ModelGateway.Policies;

/// <summary>Codes of <see cref="ValidationIssue"/>: the ComfyUI frontend's vocabulary for errors, ours for warnings.</summary>
public static class ValidationCodes
{
    public const string FormatNotAllowed = "FORMAT_NOT_ALLOWED";
    public const string FileTooLarge = "FILE_TOO_LARGE";
    public const string UnsafePickleScan = "UNSAFE_PICKLE_SCAN";
    public const string UnsafeVirusScan = "UNSAFE_VIRUS_SCAN";
    public const string ModelTypeNotSupported = "MODEL_TYPE_NOT_SUPPORTED";

    /// <summary>The file is served through a host the caller's policy does not allow (a redirect, storage or CDN host).</summary>
    public const string UnsupportedSource = "UNSUPPORTED_SOURCE";

    // Warnings, and errors when the policy says Deny for them (UnknownSize, UnverifiedContent).
    public const string SizeUnknown = "SIZE_UNKNOWN";
    public const string FormatUnverified = "FORMAT_UNVERIFIED";

    // Warnings only.
    public const string ScanPending = "SCAN_PENDING";
    public const string FormatMismatch = "FORMAT_MISMATCH";
    public const string StaleMetadata = "STALE_METADATA";
}
