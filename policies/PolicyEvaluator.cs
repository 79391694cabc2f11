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

        CheckHosts(facts, policy, errors);
        // The gateway's own pickle scan ranks before the format: a .pt wrapped in 7z is first of all unscannable.
        var pickleScanned = PickleScanCheck.Evaluate(facts, policy, errors, warnings);
        CheckFormat(facts, policy, errors, warnings);
        CheckSize(facts, policy, errors, warnings);
        if (!pickleScanned)
        {
            CheckScan(facts.PickleScan, ValidationCodes.UnsafePickleScan, "pickle", errors, warnings);
        }
        CheckScan(facts.VirusScan, ValidationCodes.UnsafeVirusScan, "virus", errors, warnings);
        CheckModelType(facts, policy, errors);

        return new ValidationResult(errors, warnings);
    }

    // The recorded hosts were allowed by the base policy's lists (the probe never goes elsewhere); the caller's own
    // lists may be narrower.
    private static void CheckHosts(AssetFacts facts, PolicySettings policy, List<ValidationIssue> errors)
    {
        if (HostPolicy.FirstNotAllowed(facts.Hosts, policy) is { } host)
        {
            errors.Add(new(ValidationCodes.UnsupportedSource,
                $"The file is served through \"{host}\", a host the policy does not allow.", "url"));
        }
    }

    private static void CheckFormat(AssetFacts facts, PolicySettings policy, List<ValidationIssue> errors, List<ValidationIssue> warnings)
    {
        if (facts.FormatCheck == FormatCheck.Mismatch && facts.ClaimedFormat is { } claimed)
        {
            warnings.Add(new(ValidationCodes.FormatMismatch,
                $"File claims format \"{claimed}\" but its content is \"{facts.Format}\".", "format"));
        }

        if (policy.AllowedFormats.Count > 0 && !policy.AllowedFormats.Contains(facts.Format))
        {
            errors.Add(new(ValidationCodes.FormatNotAllowed,
                $"File format \"{facts.Format}\" is not allowed. Allowed formats: [{string.Join(", ", policy.AllowedFormats)}]",
                "format"));
        }

        // Under Deny only bytes that were read count: facts probed with the content check off (NotChecked) fail too.
        var unverified = facts.FormatCheck == FormatCheck.Unverified
            || (facts.FormatCheck == FormatCheck.NotChecked && policy.UnverifiedContent == PolicyAction.Deny);
        if (unverified)
        {
            var issue = new ValidationIssue(ValidationCodes.FormatUnverified, facts.FormatCheck == FormatCheck.Unverified
                ? $"The file's content could not be checked; format \"{facts.Format}\" is as claimed, not verified."
                : $"The file's content was not checked; format \"{facts.Format}\" is as claimed, not verified.", "format");
            (policy.UnverifiedContent == PolicyAction.Deny ? errors : warnings).Add(issue);
        }
    }

    private static void CheckSize(AssetFacts facts, PolicySettings policy, List<ValidationIssue> errors, List<ValidationIssue> warnings)
    {
        if (facts.ContentLength is not { } size || size < 0)
        {
            var issue = new ValidationIssue(ValidationCodes.SizeUnknown, "The source does not tell the file's size.", "content_length");
            (policy.UnknownSize == PolicyAction.Deny ? errors : warnings).Add(issue);
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
