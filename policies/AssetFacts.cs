namespace ModelGateway.Policies;

/// <summary>
/// What a probe learned about a remote file. These facts are what the gateway caches; the verdict is
/// computed from them on every request so that policy changes apply at once.
/// </summary>
public sealed record AssetFacts
{
    /// <summary>Exact size in bytes, or null when the source cannot tell.</summary>
    public long? ContentLength { get; init; }

    /// <summary>MIME type of the file itself.</summary>
    public string? ContentType { get; init; }

    /// <summary>The bare file name the file is served under.</summary>
    public string? Filename { get; init; }

    /// <summary>Display title.</summary>
    public string? Name { get; init; }

    /// <summary>The source's own model type (e.g. CivitAI <c>LORA</c>), when it names one.</summary>
    public string? ModelType { get; init; }

    /// <summary>The ComfyUI model folder (e.g. <c>loras</c>), when known.</summary>
    public string? ModelFolder { get; init; }

    /// <summary>The best known format: the true one when the bytes were checked, else the claimed one.</summary>
    public ModelFormat Format { get; init; } = ModelFormat.Other;

    /// <summary>The format the source or the file name claimed, when it differs from <see cref="Format"/>.</summary>
    public ModelFormat? ClaimedFormat { get; init; }

    /// <summary>How far <see cref="Format"/> was verified against the file's bytes.</summary>
    public FormatCheck FormatCheck { get; init; } = FormatCheck.NotChecked;

    /// <summary>Lower-case hex SHA-256, when the source publishes it.</summary>
    public string? Sha256 { get; init; }

    public ScanResult PickleScan { get; init; } = ScanResult.Unknown;

    /// <summary>The gateway's own scan of the file's pickles (<c>docs/pickle-scan.md</c>); null when it was not scanned.</summary>
    public PickleScanReport? PickleReport { get; init; }

    public ScanResult VirusScan { get; init; } = ScanResult.Unknown;

    /// <summary>Canonical download URL without credentials.</summary>
    public string? FinalUrl { get; init; }

    /// <summary>A <c>data:image/…;base64,…</c> preview, size-capped.</summary>
    public string? PreviewImage { get; init; }

    /// <summary>
    /// The hosts the probe's requests for the file went to, each once, in the order first reached (normalized, as
    /// <see cref="HostPolicy.NormalizeHost"/> gives them): the pasted URL's host, every redirect target, the storage
    /// or CDN host the content check read from, and the target of a redirect the probe stopped at (where a download
    /// would go next). A named source's requests to its own configured origin are not listed: they stand for the
    /// source's public hosts, which the caller's policy checks in the pasted URL. Never shown; host names only.
    /// </summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>The hosts the request for <see cref="PreviewImage"/> went to, when it came from its own URL (not the file's header).</summary>
    public IReadOnlyList<string> PreviewHosts { get; init; } = [];

    /// <summary>Which source answered: <c>http</c>, <c>civitai</c>, <c>huggingface</c>.</summary>
    public string Source { get; init; } = "http";

    /// <summary>
    /// The source's own catalogue named the file and its model type (e.g. CivitAI's API): what the file's header
    /// suggests (title, folder) does not replace <see cref="Name"/>, <see cref="ModelType"/> or <see cref="ModelFolder"/>.
    /// </summary>
    public bool NamedBySource { get; init; }
}
