using ModelGateway.Policies;

namespace ModelGateway.Metadata;

/// <summary>The 200 body of <c>GET /api/assets/remote-metadata</c>; serialized snake_case, nulls omitted.</summary>
internal sealed record AssetMetadataResponse
{
    public required long ContentLength { get; init; }

    public string? ContentType { get; init; }

    public string? Filename { get; init; }

    public string? Name { get; init; }

    public required IReadOnlyList<string> Tags { get; init; }

    public string? PreviewImage { get; init; }

    public string? FinalUrl { get; init; }

    public string? Format { get; init; }

    public string? Sha256 { get; init; }

    public required ValidationResponse Validation { get; init; }

    /// <summary>The gateway's own pickle scan and the source's, as evidence (<c>docs/pickle-scan.md</c>); null for a file without pickles.</summary>
    public PickleScanEvidence? PickleScan { get; init; }

    public static AssetMetadataResponse From(AssetFacts facts, ValidationResult verdict)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(verdict);
        return new AssetMetadataResponse
        {
            ContentLength = facts.ContentLength is >= 0 and var length ? length : -1,
            ContentType = facts.ContentType,
            Filename = facts.Filename,
            Name = facts.Name,
            Tags = facts.ModelFolder is { } folder ? ["models", folder] : ["models"],
            PreviewImage = facts.PreviewImage,
            FinalUrl = facts.FinalUrl,
            Format = facts.Format.ToString(),
            Sha256 = facts.Sha256,
            Validation = new ValidationResponse(verdict.IsValid, verdict.Errors, verdict.Warnings),
            PickleScan = PickleScanEvidence.From(facts),
        };
    }
}

/// <summary><c>validation</c>: always present, both lists always present.</summary>
internal sealed record ValidationResponse(bool IsValid, IReadOnlyList<ValidationIssue> Errors, IReadOnlyList<ValidationIssue> Warnings);

/// <summary>
/// <c>pickle_scan</c>: the verdict of the gateway's own scan (<c>safe</c>, <c>suspicious</c>, <c>dangerous</c>,
/// <c>unscannable</c>, or <c>not_scanned</c>), its findings, and the source's own scan result as evidence.
/// </summary>
internal sealed record PickleScanEvidence(string Verdict, string? Container, IReadOnlyList<PickleFindingResponse> Findings, string? SourceScan)
{
    public static PickleScanEvidence? From(AssetFacts facts) => PickleScanCheck.AppliesTo(facts)
        ? new PickleScanEvidence(facts.PickleReport is { } report ? Name(report.Verdict) : "not_scanned",
            facts.PickleReport?.Container,
            [.. (facts.PickleReport?.Findings ?? []).Select(f => new PickleFindingResponse(f.Rule, Name(f.Severity), f.Detail, f.Extension))],
            facts.PickleScan == ScanResult.Unknown ? null : facts.PickleScan.ToString())
        : null;

    private static string Name(PickleVerdict verdict) => verdict.ToString().ToLowerInvariant();
}

/// <summary>One finding: its rule id, severity, what it names; <c>extension</c> when a policy may opt into it.</summary>
internal sealed record PickleFindingResponse(string Rule, string Severity, string Detail, bool Extension);
