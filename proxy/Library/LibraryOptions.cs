namespace ModelGateway.Library;

/// <summary>
/// The model library (<c>Library</c> section): where verified files are kept by SHA-256 — a directory, or an
/// S3-compatible bucket when <c>Library:S3:ServiceUrl</c> is set — whether downloads are teed into it, and its bounds.
/// Read at startup: the store a replica writes to does not change under a running fill.
/// </summary>
internal sealed class LibraryOptions
{
    public const string SectionName = "Library";

    public const string DefaultPath = "data/library";

    /// <summary>The directory store; relative to the content root. Also where leftovers of interrupted fills are cleaned.</summary>
    public string Path { get; set; } = DefaultPath;

    /// <summary>An S3-compatible bucket instead of the directory (all four keys, or none).</summary>
    public LibraryS3Options S3 { get; set; } = new();

    /// <summary>Whether downloads of files with a published SHA-256 are written to the store while they stream.</summary>
    public bool CacheDownloads { get; set; } = true;

    /// <summary>The store's size cap in GB (10^9 bytes); least recently used blobs are evicted beyond it. Empty: no cap.</summary>
    public double? MaxSizeGB { get; set; }

    /// <summary>
    /// The directory store keeps at least this much of its disk free (GB): blobs are evicted, and a fill that would go below
    /// it is not stored. Not used with S3.
    /// </summary>
    public double MinFreeSpaceGB { get; set; } = 1;

    public bool UsesS3 => !string.IsNullOrWhiteSpace(S3.ServiceUrl);

    public long? MaxSizeBytes => MaxSizeGB is { } gb ? (long)(gb * 1e9) : null;

    public long MinFreeSpaceBytes => (long)(MinFreeSpaceGB * 1e9);

    /// <summary>The directory store's absolute path under <paramref name="contentRoot"/>.</summary>
    public string FullPath(string contentRoot) => System.IO.Path.GetFullPath(System.IO.Path.Combine(contentRoot, Path));
}

/// <summary><c>Library:S3:*</c>: an S3-compatible bucket (AWS, Ceph RGW, SeaweedFS, Garage …), addressed path-style.</summary>
internal sealed class LibraryS3Options
{
    /// <summary>The endpoint, e.g. <c>https://s3.eu-central-1.amazonaws.com</c> or <c>http://minio:9000</c>.</summary>
    public string? ServiceUrl { get; set; }

    public string? Bucket { get; set; }

    public string? AccessKey { get; set; }

    /// <summary>Never logged or shown.</summary>
    public string? SecretKey { get; set; }
}
