namespace ModelGateway.Sources.CivitAi;

/// <summary><c>Sources:CivitAI</c>: the shared source settings plus what only CivitAI has.</summary>
internal sealed class CivitAiOptions : SourceOptions
{
    public const string SectionName = "Sources:CivitAI";

    /// <summary>Where the API and downloads live when <see cref="SourceOptions.BaseUrl"/> is not set.</summary>
    public const string DefaultBaseUrl = "https://civitai.com";

    /// <summary>
    /// The most explicit rating a <c>preview_image</c> may have, in CivitAI's nsfwLevel names: <c>None</c> (no
    /// previews), <c>PG</c>, <c>PG13</c>, <c>R</c>, <c>X</c>, <c>XXX</c>. Default PG13: safe for work only.
    /// </summary>
    public string MaxPreviewNsfwLevel { get; set; } = "PG13";

    /// <summary>The nsfwLevel bits a preview may carry (0: no previews); 0 too when the setting is invalid.</summary>
    public int PreviewNsfwMask => CivitAiNsfwLevels.TryParseMask(MaxPreviewNsfwLevel, out var mask) ? mask : 0;

    /// <summary>The origin API and download requests go to.</summary>
    public Uri ApiOrigin => new(string.IsNullOrEmpty(BaseUrl) ? DefaultBaseUrl : BaseUrl, UriKind.Absolute);
}

/// <summary>CivitAI's nsfwLevel bitmask, as its API reports it: PG=1, PG13=2, R=4, X=8, XXX=16, Blocked=32.</summary>
internal static class CivitAiNsfwLevels
{
    public const int PG = 1;
    public const int PG13 = 2;
    public const int R = 4;
    public const int X = 8;
    public const int XXX = 16;

    public const string Names = "None, PG, PG13, R, X, XXX";

    /// <summary>
    /// The mask of every level up to and including <paramref name="maxLevel"/> (a name, <c>PG-13</c> too, or its bit
    /// value); <c>None</c> → 0.
    /// </summary>
    public static bool TryParseMask(string? maxLevel, out int mask)
    {
        var name = (maxLevel ?? string.Empty).Trim().Replace("-", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        var bit = name switch
        {
            "NONE" or "0" => 0,
            "PG" or "1" => PG,
            "PG13" or "2" => PG13,
            "R" or "4" => R,
            "X" or "8" => X,
            "XXX" or "16" => XXX,
            _ => -1,
        };
        mask = bit <= 0 ? 0 : (bit << 1) - 1;
        return bit >= 0;
    }

    /// <summary>Whether an image rated <paramref name="nsfwLevel"/> may be shown: rated, and no bit outside the mask.</summary>
    public static bool IsAllowed(int? nsfwLevel, int mask) =>
        nsfwLevel is > 0 and var level && (level & ~mask) == 0;
}
