using ModelGateway.Previews;

namespace ModelGateway.Sniffing;

/// <summary>
/// <c>ContentCheck</c>: how much of a file the content check may read. Global, like <c>Policy:VerifyContent</c>: facts
/// are shared by every caller.
/// </summary>
internal sealed class ContentCheckOptions
{
    public const string SectionName = "ContentCheck";

    /// <summary>
    /// Largest safetensors header the check reads (one more Range read after the first 100 KiB, into one buffer of
    /// the header's size). A longer header leaves the format unverified: a host cannot make one lookup read and hold
    /// the 100 MB the format allows.
    /// </summary>
    public int MaxHeaderBytes { get; set; } = DefaultMaxHeaderBytes;

    public const int DefaultMaxHeaderBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Largest pickle the pickle scan reads: a torch zip's <c>data.pkl</c> (and its central directory), a legacy
    /// file's pickles, a raw pickle. A lookup reads them by Range requests; a download holds them back until checked.
    /// Over it the file is <c>unscannable</c>.
    /// </summary>
    public int MaxPickleBytes { get; set; } = DefaultMaxPickleBytes;

    public const int DefaultMaxPickleBytes = 32 * 1024 * 1024;

    /// <summary>Upper bound of <see cref="MaxPickleBytes"/>.</summary>
    public const int MaxPickleBytesLimit = 512 * 1024 * 1024;
}

/// <summary>What a sniff may hold: the largest safetensors header it parses, the caps a thumbnail must fit.</summary>
internal sealed record SniffLimits(int MaxHeaderBytes, PreviewLimits Previews)
{
    public static readonly SniffLimits Default = new(ContentCheckOptions.DefaultMaxHeaderBytes, PreviewLimits.Default);
}
