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
        };
    }
}

/// <summary><c>validation</c>: always present, both lists always present.</summary>
internal sealed record ValidationResponse(bool IsValid, IReadOnlyList<ValidationIssue> Errors, IReadOnlyList<ValidationIssue> Warnings);
