using ModelGateway.Policies;

namespace ModelGateway.UnitTests.Policies;

public sealed class PolicyOptionsValidatorTests
{
    [Fact]
    public void Validate_ShippedShape_NoProblems()
    {
        var options = new PolicyOptions
        {
            AllowedFormats = ["SafeTensor", "gguf"],
            MaxSizeBytes = 25_000_000_000,
            AllowedHosts = ["*.example.com", "files.example.org"],
            BlockedHosts = ["evil.example.com"],
            AllowedModelTypes = ["checkpoints", "unet"],
        };

        Assert.Empty(PolicyOptionsValidator.Validate("Policy", options));
    }

    [Fact]
    public void Validate_NothingSet_NoProblems()
    {
        Assert.Empty(PolicyOptionsValidator.Validate("Policy", new PolicyOptions()));
    }

    [Theory]
    [InlineData("SafeTensors")]
    [InlineData("pickle")]
    [InlineData("1")]
    [InlineData("42")]
    public void Validate_UnknownFormat_NamedWithIndexAndKnownNames(string name)
    {
        var problem = Assert.Single(PolicyOptionsValidator.Validate("Policy", new PolicyOptions { AllowedFormats = ["SafeTensor", name] }));

        Assert.Equal($"Policy:AllowedFormats:1: unknown format \"{name}\" (known: SafeTensor, PickleTensor, GGUF, Diffusers, ONNX, Other).", problem);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    public void Validate_NegativeSize_Problem(long size)
    {
        var problem = Assert.Single(PolicyOptionsValidator.Validate("PolicyProfiles:strict", new PolicyOptions { MaxSizeBytes = size }));

        Assert.Equal($"PolicyProfiles:strict:MaxSizeBytes: must be 0 (no limit) or a positive number of bytes, not {size}.", problem);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(long.MaxValue)]
    public void Validate_ZeroOrPositiveSize_Fine(long size)
    {
        Assert.Empty(PolicyOptionsValidator.Validate("Policy", new PolicyOptions { MaxSizeBytes = size }));
    }

    [Fact]
    public void Validate_BadHostPatterns_EachNamed()
    {
        var problems = PolicyOptionsValidator.Validate("Policy", new PolicyOptions { AllowedHosts = ["ok.example", "*"], BlockedHosts = ["https://x.example/"] }).ToList();

        Assert.Equal(
            [
                "Policy:AllowedHosts:1: \"*\" is not a host name or a \"*.example.com\" pattern.",
                "Policy:BlockedHosts:0: \"https://x.example/\" is not a host name or a \"*.example.com\" pattern.",
            ],
            problems);
    }

    [Fact]
    public void Validate_UnknownModelType_Named()
    {
        var problem = Assert.Single(PolicyOptionsValidator.Validate("Policy", new PolicyOptions { AllowedModelTypes = ["loras", "wildcards"] }));

        Assert.StartsWith("Policy:AllowedModelTypes:1: \"wildcards\" is not a ComfyUI model folder (known: ", problem, StringComparison.Ordinal);
        Assert.Contains("checkpoints", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WarnAndDeny_NoProblems()
    {
        Assert.Empty(PolicyOptionsValidator.Validate("Policy", new PolicyOptions { UnverifiedContent = PolicyAction.Deny, UnknownSize = PolicyAction.Warn }));
    }

    [Fact]
    public void Validate_UncertaintyActionOutsideWarnAndDeny_NamedWithItsKey()
    {
        var problems = PolicyOptionsValidator.Validate("PolicyProfiles:strict",
            new PolicyOptions { UnverifiedContent = (PolicyAction)7, UnknownSize = (PolicyAction)(-1) }).ToList();

        Assert.Equal(
            [
                "PolicyProfiles:strict:UnverifiedContent: must be Warn or Deny, not 7.",
                "PolicyProfiles:strict:UnknownSize: must be Warn or Deny, not -1.",
            ],
            problems);
    }

    [Fact]
    public void Validate_ManyProblems_AllReportedAtOnce()
    {
        var options = new PolicyOptions
        {
            AllowedFormats = ["Bogus", "AlsoBogus"],
            MaxSizeBytes = -5,
            AllowedHosts = ["bad host"],
            BlockedHosts = ["*"],
            AllowedModelTypes = ["nope"],
        };

        var problems = PolicyOptionsValidator.Validate("Policy", options).ToList();

        Assert.Equal(6, problems.Count);
        Assert.StartsWith("Policy:AllowedFormats:0:", problems[0], StringComparison.Ordinal);
        Assert.StartsWith("Policy:AllowedFormats:1:", problems[1], StringComparison.Ordinal);
        Assert.StartsWith("Policy:MaxSizeBytes:", problems[2], StringComparison.Ordinal);
        Assert.StartsWith("Policy:AllowedHosts:0:", problems[3], StringComparison.Ordinal);
        Assert.StartsWith("Policy:BlockedHosts:0:", problems[4], StringComparison.Ordinal);
        Assert.StartsWith("Policy:AllowedModelTypes:0:", problems[5], StringComparison.Ordinal);
    }
}
