using ModelGateway.Policies;

namespace ModelGateway.UnitTests.Policies;

public sealed class PolicyEvaluatorTests
{
    private static AssetFacts Facts(
        ModelFormat format = ModelFormat.SafeTensor,
        long? size = 100,
        ScanResult pickle = ScanResult.Unknown,
        ScanResult virus = ScanResult.Unknown,
        string? modelType = null,
        string? folder = null) => new()
        {
            Format = format,
            ContentLength = size,
            PickleScan = pickle,
            VirusScan = virus,
            ModelType = modelType,
            ModelFolder = folder,
            Filename = "model.bin",
        };

    private static PolicySettings Policy(
        ModelFormat[]? formats = null, long max = 0, string[]? modelTypes = null,
        PolicyAction unverified = PolicyAction.Warn, PolicyAction unknownSize = PolicyAction.Warn,
        string[]? allowedHosts = null, string[]? blockedHosts = null) => new()
        {
            AllowedFormats = formats ?? [ModelFormat.SafeTensor],
            MaxSizeBytes = max,
            AllowedModelTypes = modelTypes ?? [],
            UnverifiedContent = unverified,
            UnknownSize = unknownSize,
            AllowedHosts = allowedHosts ?? [],
            BlockedHosts = blockedHosts ?? [],
        };

    [Fact]
    public void Evaluate_AllowedFormatKnownSize_IsValidWithoutIssues()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(), Policy());

        Assert.True(verdict.IsValid);
        Assert.Empty(verdict.Errors);
        Assert.Empty(verdict.Warnings);
    }

    [Fact]
    public void Evaluate_FormatNotInAllowList_FormatNotAllowedWithExactMessage()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(ModelFormat.PickleTensor), Policy([ModelFormat.SafeTensor, ModelFormat.GGUF]));

        Assert.False(verdict.IsValid);
        var error = Assert.Single(verdict.Errors);
        Assert.Equal(new ValidationIssue("FORMAT_NOT_ALLOWED",
            "File format \"PickleTensor\" is not allowed. Allowed formats: [SafeTensor, GGUF]", "format"), error);
    }

    [Fact]
    public void Evaluate_FormatNotAllowed_MessageListsFormatsInConfiguredOrder()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(ModelFormat.Other), Policy([ModelFormat.GGUF, ModelFormat.ONNX, ModelFormat.SafeTensor]));

        Assert.Equal("File format \"Other\" is not allowed. Allowed formats: [GGUF, ONNX, SafeTensor]", Assert.Single(verdict.Errors).Message);
    }

    [Theory]
    [InlineData(ModelFormat.SafeTensor)]
    [InlineData(ModelFormat.PickleTensor)]
    [InlineData(ModelFormat.GGUF)]
    [InlineData(ModelFormat.Diffusers)]
    [InlineData(ModelFormat.ONNX)]
    [InlineData(ModelFormat.Other)]
    public void Evaluate_EmptyFormatList_AnyFormatAllowed(ModelFormat format)
    {
        // A pickle passes when scanned safe (an unscanned one is refused: PickleScanCheckTests).
        var verdict = PolicyEvaluator.Evaluate(Facts(format) with { PickleReport = new PickleScanReport() }, Policy([]));

        Assert.True(verdict.IsValid);
    }

    [Theory]
    [InlineData(ModelFormat.SafeTensor, true)]
    [InlineData(ModelFormat.GGUF, true)]
    [InlineData(ModelFormat.PickleTensor, false)]
    [InlineData(ModelFormat.ONNX, false)]
    [InlineData(ModelFormat.Other, false)]
    public void Evaluate_FormatAllowList_AllowsOnlyListed(ModelFormat format, bool valid)
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(format), Policy([ModelFormat.SafeTensor, ModelFormat.GGUF]));

        Assert.Equal(valid, verdict.IsValid);
        Assert.Equal(valid ? [] : ["FORMAT_NOT_ALLOWED"], verdict.Errors.Select(e => e.Code));
    }

    [Theory]
    [InlineData(0L, 100L, true)]
    [InlineData(100L, 0L, true)]
    [InlineData(100L, 99L, true)]
    [InlineData(100L, 100L, true)]
    [InlineData(100L, 101L, false)]
    [InlineData(1L, 2L, false)]
    [InlineData(0L, long.MaxValue, true)]
    [InlineData(long.MaxValue, long.MaxValue, true)]
    [InlineData(25_000_000_000L, 25_000_000_001L, false)]
    public void Evaluate_SizeLimit_EdgeCases(long max, long size, bool valid)
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(size: size), Policy(max: max));

        Assert.Equal(valid, verdict.IsValid);
        Assert.Empty(verdict.Warnings);
    }

    [Fact]
    public void Evaluate_SizeAboveLimit_FileTooLargeWithSizesInMessage()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(size: 2_000_000_001), Policy(max: 2_000_000_000));

        Assert.Equal(new ValidationIssue("FILE_TOO_LARGE",
            "File size 2000000001 bytes exceeds the limit of 2000000000 bytes.", "content_length"), Assert.Single(verdict.Errors));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(-1L)]
    public void Evaluate_SizeUnknown_WarningNotError(long? size)
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(size: size), Policy(max: 10));

        Assert.True(verdict.IsValid);
        Assert.Equal(new ValidationIssue("SIZE_UNKNOWN", "The source does not tell the file's size.", "content_length"),
            Assert.Single(verdict.Warnings));
    }

    [Theory]
    [InlineData(ScanResult.Danger, "UNSAFE_PICKLE_SCAN", "The source's pickle scan marks this file as dangerous.")]
    [InlineData(ScanResult.Error, "UNSAFE_PICKLE_SCAN", "The source's pickle scan failed on this file, so it cannot be trusted.")]
    public void Evaluate_PickleScanDangerOrError_UnsafePickleScan(ScanResult scan, string code, string message)
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(pickle: scan), Policy());

        Assert.Equal(new ValidationIssue(code, message, "file"), Assert.Single(verdict.Errors));
        Assert.Empty(verdict.Warnings);
    }

    [Theory]
    [InlineData(ScanResult.Danger, "The source's virus scan marks this file as dangerous.")]
    [InlineData(ScanResult.Error, "The source's virus scan failed on this file, so it cannot be trusted.")]
    public void Evaluate_VirusScanDangerOrError_UnsafeVirusScan(ScanResult scan, string message)
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(virus: scan), Policy());

        Assert.Equal(new ValidationIssue("UNSAFE_VIRUS_SCAN", message, "file"), Assert.Single(verdict.Errors));
    }

    [Fact]
    public void Evaluate_ScansPending_OneScanPendingWarningPerScan()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(pickle: ScanResult.Pending, virus: ScanResult.Pending), Policy());

        Assert.True(verdict.IsValid);
        Assert.Equal(
            [
                new ValidationIssue("SCAN_PENDING", "The source's pickle scan of this file has not finished.", "file"),
                new ValidationIssue("SCAN_PENDING", "The source's virus scan of this file has not finished.", "file"),
            ],
            verdict.Warnings);
    }

    [Theory]
    [InlineData(ScanResult.Success)]
    [InlineData(ScanResult.Unknown)]
    public void Evaluate_ScanSuccessOrUnknown_NoIssue(ScanResult scan)
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(pickle: scan, virus: scan), Policy());

        Assert.True(verdict.IsValid);
        Assert.Empty(verdict.Warnings);
    }

    [Theory]
    [InlineData("loras", "", true)]
    [InlineData("loras", "loras", true)]
    [InlineData("loras", "checkpoints,loras", true)]
    [InlineData("vae", "checkpoints,loras", false)]
    public void Evaluate_ModelFolder_CheckedAgainstAllowList(string folder, string allowed, bool valid)
    {
        var list = allowed.Split(',', StringSplitOptions.RemoveEmptyEntries);

        var verdict = PolicyEvaluator.Evaluate(Facts(modelType: "LORA", folder: folder), Policy(modelTypes: list));

        Assert.Equal(valid, verdict.IsValid);
    }

    [Fact]
    public void Evaluate_ModelFolderNotAllowed_MessageNamesFolderAndList()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(modelType: "VAE", folder: "vae"), Policy(modelTypes: ["checkpoints", "loras"]));

        Assert.Equal(new ValidationIssue("MODEL_TYPE_NOT_SUPPORTED",
            "Model type \"vae\" is not allowed. Allowed model types: [checkpoints, loras]", "model_type"), Assert.Single(verdict.Errors));
    }

    [Fact]
    public void Evaluate_ModelTypeWithoutFolder_NotSupportedEvenWithEmptyList()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(modelType: "Wildcards"), Policy());

        Assert.Equal(new ValidationIssue("MODEL_TYPE_NOT_SUPPORTED",
            "Model type \"Wildcards\" has no ComfyUI model folder.", "model_type"), Assert.Single(verdict.Errors));
    }

    [Fact]
    public void Evaluate_UnknownTypeWithAllowList_NotSupported()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(), Policy(modelTypes: ["loras"]));

        Assert.Equal(new ValidationIssue("MODEL_TYPE_NOT_SUPPORTED",
            "The model type could not be determined. Allowed model types: [loras]", "model_type"), Assert.Single(verdict.Errors));
    }

    [Fact]
    public void Evaluate_UnknownTypeWithEmptyList_Valid()
    {
        Assert.True(PolicyEvaluator.Evaluate(Facts(), Policy(modelTypes: [])).IsValid);
    }

    [Fact]
    public void Evaluate_FormatMismatch_WarnsWithClaimedAndTrueFormat()
    {
        var facts = Facts(ModelFormat.PickleTensor) with { ClaimedFormat = ModelFormat.SafeTensor, FormatCheck = FormatCheck.Mismatch };

        var verdict = PolicyEvaluator.Evaluate(facts, Policy([]));

        Assert.Equal(new ValidationIssue("FORMAT_MISMATCH",
            "File claims format \"SafeTensor\" but its content is \"PickleTensor\".", "format"), Assert.Single(verdict.Warnings));
    }

    [Fact]
    public void Evaluate_FormatUnverified_Warns()
    {
        var facts = Facts(ModelFormat.SafeTensor) with { FormatCheck = FormatCheck.Unverified };

        var verdict = PolicyEvaluator.Evaluate(facts, Policy());

        Assert.True(verdict.IsValid);
        Assert.Equal(new ValidationIssue("FORMAT_UNVERIFIED",
            "The file's content could not be checked; format \"SafeTensor\" is as claimed, not verified.", "format"), Assert.Single(verdict.Warnings));
    }

    [Theory]
    [InlineData(FormatCheck.NotChecked)]
    [InlineData(FormatCheck.Verified)]
    public void Evaluate_FormatNotCheckedOrVerified_NoFormatWarning(FormatCheck check)
    {
        var verdict = PolicyEvaluator.Evaluate(Facts() with { FormatCheck = check }, Policy());

        Assert.Empty(verdict.Warnings);
    }

    [Fact]
    public void Evaluate_FormatUnverifiedUnderDeny_ErrorNotWarning()
    {
        var facts = Facts(ModelFormat.SafeTensor) with { FormatCheck = FormatCheck.Unverified };

        var verdict = PolicyEvaluator.Evaluate(facts, Policy(unverified: PolicyAction.Deny));

        Assert.False(verdict.IsValid);
        Assert.Equal(new ValidationIssue("FORMAT_UNVERIFIED",
            "The file's content could not be checked; format \"SafeTensor\" is as claimed, not verified.", "format"), Assert.Single(verdict.Errors));
        Assert.Empty(verdict.Warnings);
    }

    [Fact]
    public void Evaluate_ContentNotCheckedUnderDeny_ErrorBecauseNoByteWasRead()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts() with { FormatCheck = FormatCheck.NotChecked }, Policy(unverified: PolicyAction.Deny));

        Assert.Equal(new ValidationIssue("FORMAT_UNVERIFIED",
            "The file's content was not checked; format \"SafeTensor\" is as claimed, not verified.", "format"), Assert.Single(verdict.Errors));
    }

    [Theory]
    [InlineData(FormatCheck.Verified)]
    [InlineData(FormatCheck.Mismatch)]
    public void Evaluate_BytesReadUnderDeny_NoFormatUnverified(FormatCheck check)
    {
        var facts = Facts() with { FormatCheck = check, ClaimedFormat = check == FormatCheck.Mismatch ? ModelFormat.GGUF : null };

        var verdict = PolicyEvaluator.Evaluate(facts, Policy(unverified: PolicyAction.Deny));

        Assert.True(verdict.IsValid);
        Assert.DoesNotContain(verdict.Warnings, w => w.Code == "FORMAT_UNVERIFIED");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(-1L)]
    public void Evaluate_SizeUnknownUnderDeny_ErrorNotWarning(long? size)
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(size: size), Policy(unknownSize: PolicyAction.Deny));

        Assert.False(verdict.IsValid);
        Assert.Equal(new ValidationIssue("SIZE_UNKNOWN", "The source does not tell the file's size.", "content_length"), Assert.Single(verdict.Errors));
        Assert.Empty(verdict.Warnings);
    }

    [Fact]
    public void Evaluate_KnownSizeUnderDeny_Valid()
    {
        Assert.True(PolicyEvaluator.Evaluate(Facts(size: 0), Policy(unknownSize: PolicyAction.Deny)).IsValid);
    }

    [Fact]
    public void Evaluate_UnverifiedAndUnknownSizeUnderDenyWithOtherErrors_FormatNotAllowedStaysFirst()
    {
        var facts = Facts(ModelFormat.PickleTensor, size: null) with { FormatCheck = FormatCheck.Unverified };

        var verdict = PolicyEvaluator.Evaluate(facts, Policy(unverified: PolicyAction.Deny, unknownSize: PolicyAction.Deny));

        Assert.Equal(["FORMAT_NOT_ALLOWED", "FORMAT_UNVERIFIED", "SIZE_UNKNOWN"], verdict.Errors.Select(e => e.Code));
    }

    [Theory]
    [InlineData(new string[0], new[] { "*.other.net" }, "storage.other.net")]
    [InlineData(new[] { "*.example.com" }, new string[0], "storage.other.net")]
    [InlineData(new[] { "storage.other.net" }, new string[0], "files.example.com")]
    [InlineData(new[] { "files.example.com", "storage.other.net" }, new[] { "files.example.com" }, "files.example.com")]
    public void Evaluate_HostOnTheFilesPathNotAllowed_UnsupportedSourceNamingIt(string[] allowed, string[] blocked, string offending)
    {
        var facts = Facts() with { Hosts = ["files.example.com", "storage.other.net"] };

        var verdict = PolicyEvaluator.Evaluate(facts, Policy(allowedHosts: allowed, blockedHosts: blocked));

        Assert.Equal(new ValidationIssue("UNSUPPORTED_SOURCE",
            $"The file is served through \"{offending}\", a host the policy does not allow.", "url"), Assert.Single(verdict.Errors));
    }

    [Theory]
    [InlineData(new string[0], new string[0])]
    [InlineData(new[] { "files.example.com", "*.other.net" }, new[] { "evil.example" })]
    public void Evaluate_EveryHostOnTheFilesPathAllowed_Valid(string[] allowed, string[] blocked)
    {
        var facts = Facts() with { Hosts = ["files.example.com", "storage.other.net"] };

        Assert.True(PolicyEvaluator.Evaluate(facts, Policy(allowedHosts: allowed, blockedHosts: blocked)).IsValid);
    }

    [Fact]
    public void Evaluate_PreviewHostNotAllowed_VerdictUnaffected()
    {
        var facts = Facts() with { PreviewHosts = ["images.example"] };

        Assert.True(PolicyEvaluator.Evaluate(facts, Policy(blockedHosts: ["images.example"])).IsValid);
    }

    [Fact]
    public void Evaluate_EveryRuleBroken_AllErrorsInRuleOrder()
    {
        var facts = Facts(ModelFormat.PickleTensor, size: 500, pickle: ScanResult.Danger, virus: ScanResult.Error, modelType: "VAE", folder: "vae")
            with { Hosts = ["cdn.example"] };

        var verdict = PolicyEvaluator.Evaluate(facts, Policy([ModelFormat.SafeTensor], max: 10, modelTypes: ["loras"], blockedHosts: ["cdn.example"]));

        Assert.False(verdict.IsValid);
        Assert.Equal(
            ["UNSUPPORTED_SOURCE", "FORMAT_NOT_ALLOWED", "FILE_TOO_LARGE", "UNSAFE_PICKLE_SCAN", "UNSAFE_VIRUS_SCAN", "MODEL_TYPE_NOT_SUPPORTED"],
            verdict.Errors.Select(e => e.Code));
        Assert.Equal(["url", "format", "content_length", "file", "file", "model_type"], verdict.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Evaluate_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => PolicyEvaluator.Evaluate(null!, Policy()));
        Assert.Throws<ArgumentNullException>(() => PolicyEvaluator.Evaluate(Facts(), null!));
    }
}
