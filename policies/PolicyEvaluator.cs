using System.Globalization;

namespace ModelGateway.Policies;

/// <summary>Facts in, verdict out: the whole of the admin's file policy, evaluated on every request.</summary>
public static class PolicyEvaluator
{
    public static ValidationResult Evaluate(AssetFacts facts, PolicySettings policy)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new List<ValidationIssue>();
        var warnings = new List<ValidationIssue>();

        CheckFormat(facts, policy, errors, warnings);
        CheckSize(facts, policy, errors, warnings);
        CheckScan(facts.PickleScan, ValidationCodes.UnsafePickleScan, "pickle", errors, warnings);
        CheckScan(facts.VirusScan, ValidationCodes.UnsafeVirusScan, "virus", errors, warnings);
        CheckModelType(facts, policy, errors);

        return new ValidationResult(errors, warnings);
    }

    private static void CheckFormat(AssetFacts facts, PolicySettings policy, List<ValidationIssue> errors, List<ValidationIssue> warnings)
    {
        switch (facts.FormatCheck)
        {
            case FormatCheck.Mismatch when facts.ClaimedFormat is { } claimed:
                warnings.Add(new(ValidationCodes.FormatMismatch,
                    $"File claims format \"{claimed}\" but its content is \"{facts.Format}\".", "format"));
                break;
            case FormatCheck.Unverified:
                warnings.Add(new(ValidationCodes.FormatUnverified,
                    $"The file's content could not be checked; format \"{facts.Format}\" is as claimed, not verified.", "format"));
                break;
        }

        if (policy.AllowedFormats.Count > 0 && !policy.AllowedFormats.Contains(facts.Format))
        {
            errors.Add(new(ValidationCodes.FormatNotAllowed,
                $"File format \"{facts.Format}\" is not allowed. Allowed formats: [{string.Join(", ", policy.AllowedFormats)}]",
                "format"));
        }
    }

    private static void CheckSize(AssetFacts facts, PolicySettings policy, List<ValidationIssue> errors, List<ValidationIssue> warnings)
    {
        if (facts.ContentLength is not { } size || size < 0)
        {
            warnings.Add(new(ValidationCodes.SizeUnknown, "The source does not tell the file's size.", "content_length"));
            return;
        }
        if (policy.MaxSizeBytes > 0 && size > policy.MaxSizeBytes)
        {
            errors.Add(new(ValidationCodes.FileTooLarge, string.Create(CultureInfo.InvariantCulture,
                $"File size {size} bytes exceeds the limit of {policy.MaxSizeBytes} bytes."), "content_length"));
        }
    }

    private static void CheckScan(ScanResult scan, string code, string kind, List<ValidationIssue> errors, List<ValidationIssue> warnings)
    {
        switch (scan)
        {
            case ScanResult.Danger:
                errors.Add(new(code, $"The source's {kind} scan marks this file as dangerous.", "file"));
                break;
            case ScanResult.Error:
                errors.Add(new(code, $"The source's {kind} scan failed on this file, so it cannot be trusted.", "file"));
                break;
            case ScanResult.Pending:
                warnings.Add(new(ValidationCodes.ScanPending, $"The source's {kind} scan of this file has not finished.", "file"));
                break;
        }
    }

    private static void CheckModelType(AssetFacts facts, PolicySettings policy, List<ValidationIssue> errors)
    {
        if (facts.ModelFolder is null)
        {
            if (facts.ModelType is not null)
            {
                errors.Add(new(ValidationCodes.ModelTypeNotSupported,
                    $"Model type \"{facts.ModelType}\" has no ComfyUI model folder.", "model_type"));
            }
            else if (policy.AllowedModelTypes.Count > 0)
            {
                errors.Add(new(ValidationCodes.ModelTypeNotSupported,
                    $"The model type could not be determined. Allowed model types: [{string.Join(", ", policy.AllowedModelTypes)}]",
                    "model_type"));
            }
            return;
        }
        if (policy.AllowedModelTypes.Count > 0 && !policy.AllowedModelTypes.Contains(facts.ModelFolder))
        {
            errors.Add(new(ValidationCodes.ModelTypeNotSupported,
                $"Model type \"{facts.ModelFolder}\" is not allowed. Allowed model types: [{string.Join(", ", policy.AllowedModelTypes)}]",
                "model_type"));
        }
    }
}
