using ModelGateway.Library;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// The asset library's own keys in the <c>Library</c> section (the blob store's keys are the store's), and
/// <c>ConnectionStrings:Assets</c>. Read at startup.
/// </summary>
internal sealed class AssetLibraryOptions
{
    public const string SectionName = LibraryOptions.SectionName;

    public const string ConnectionStringName = "Assets";

    public const long MaxUploadBytesLimit = 1L << 40;

    public const int MinTaskLeaseSeconds = 2;

    public const int MaxTaskLeaseSeconds = 3600;

    /// <summary>The library directory: the SQLite file (<c>assets.db</c>) and the ComfyUI tree live there.</summary>
    public string Path { get; set; } = LibraryOptions.DefaultPath;

    /// <summary>The largest body <c>POST /api/assets</c> takes (a preview, a small file); 413 beyond.</summary>
    public long MaxUploadBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// How long a replica's claim on a running import lasts without its heartbeat (every third of it). A replica that
    /// dies leaves its tasks to another one within this time plus a third of it.
    /// </summary>
    public int TaskLeaseSeconds { get; set; } = 30;

    /// <summary>How often one import is started again after the replica running it died; then it fails.</summary>
    public int TaskMaxAttempts { get; set; } = 3;

    public TimeSpan TaskLease => TimeSpan.FromSeconds(TaskLeaseSeconds);

    /// <summary>Heartbeats and the sweep for abandoned tasks: a third of the lease.</summary>
    public TimeSpan TaskSweepInterval => TimeSpan.FromSeconds(TaskLeaseSeconds / 3.0);

    /// <summary>The library directory's absolute path under <paramref name="contentRoot"/>.</summary>
    public string FullPath(string contentRoot) => System.IO.Path.GetFullPath(System.IO.Path.Combine(contentRoot, Path));
}
