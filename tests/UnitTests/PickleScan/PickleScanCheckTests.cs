using ModelGateway.Policies;

namespace ModelGateway.UnitTests.PickleScan;

public sealed class PickleScanCheckTests
{
    private static readonly PolicySettings PicklesAllowed = new() { AllowedFormats = [ModelFormat.SafeTensor, ModelFormat.PickleTensor] };

    private static AssetFacts Facts(PickleScanReport? report, ScanResult source = ScanResult.Unknown) => new()
    {
        Format = ModelFormat.PickleTensor,
        ContentLength = 1000,
        ModelFolder = "loras",
        PickleReport = report,
        PickleScan = source,
        Source = "civitai",
    };

    private static PickleScanReport Report(params PickleFinding[] findings) => new() { Container = "torch-zip", Findings = findings };

    private static readonly PickleFinding Denied = new("global-denied", PickleVerdict.Dangerous, "os.system");
    private static readonly PickleFinding Unknown = new("global-unknown", PickleVerdict.Suspicious, "argparse.Namespace");
    private static readonly PickleFinding Numpy = new("global-extension", PickleVerdict.Suspicious, "numpy.dtype", Extension: true);
    private static readonly PickleFinding TooBig = new("limit", PickleVerdict.Unscannable, "over the cap");

    [Fact]
    public void Safe_IsValidWithoutIssues()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(Report()), PicklesAllowed);

        Assert.True(verdict.IsValid);
        Assert.Empty(verdict.Warnings);
    }

    [Fact]
    public void Dangerous_IsAnErrorNamingTheGlobalWithTheSourceAsEvidence()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(Report(Denied, Unknown), ScanResult.Success),
            PicklesAllowed with { PickleScan = new() { TrustSourceScan = true, Suspicious = PolicyAction.Warn } });

        var error = Assert.Single(verdict.Errors);
        Assert.Equal(new ValidationIssue("UNSAFE_PICKLE_SCAN",
            "The gateway's pickle scan finds this file dangerous: global-denied os.system. (civitai's own scan: clean)", "file"), error);
    }

    [Theory]
    [InlineData(PolicyAction.Deny, false)]
    [InlineData(PolicyAction.Warn, true)]
    public void Suspicious_FollowsThePolicy(PolicyAction action, bool valid)
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(Report(Unknown)), PicklesAllowed with { PickleScan = new() { Suspicious = action } });

        Assert.Equal(valid, verdict.IsValid);
        var issue = Assert.Single(valid ? verdict.Warnings : verdict.Errors);
        Assert.Equal("The gateway's pickle scan finds globals or structure off the allow-list: global-unknown argparse.Namespace.", issue.Message);
    }

    [Fact]
    public void Extension_PassesOnlyWhereThePolicyOptsIn()
    {
        Assert.False(PolicyEvaluator.Evaluate(Facts(Report(Numpy)), PicklesAllowed).IsValid);
        Assert.True(PolicyEvaluator.Evaluate(Facts(Report(Numpy)), PicklesAllowed with { PickleScan = new() { AllowExtensions = true } }).IsValid);
    }

    [Fact]
    public void Unscannable_IsDeniedByDefaultUnlessATrustedSourceScanIsClean()
    {
        var facts = Facts(Report(TooBig), ScanResult.Success);

        Assert.False(PolicyEvaluator.Evaluate(facts, PicklesAllowed).IsValid);
        var trusting = PolicyEvaluator.Evaluate(facts, PicklesAllowed with { PickleScan = new() { TrustSourceScan = true } });
        Assert.True(trusting.IsValid);
        Assert.Equal("The gateway could not scan this file's pickles: limit over the cap. (civitai's own scan: clean) The source's clean scan is trusted by this policy.",
            Assert.Single(trusting.Warnings).Message);
    }

    [Fact]
    public void NotScanned_IsUnscannable()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(report: null), PicklesAllowed);

        Assert.Equal("The gateway could not scan this file's pickles: its pickles could not be read.", Assert.Single(verdict.Errors).Message);
    }

    [Fact]
    public void SourceDanger_IsHeardEvenWhenOurScanIsSafe()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(Report(), ScanResult.Danger), PicklesAllowed);

        Assert.Equal("The source's pickle scan marks this file as dangerous (the gateway's scan: safe).", Assert.Single(verdict.Errors).Message);
    }

    [Fact]
    public void ScanOff_OnlyTheSourceScanCounts()
    {
        var off = PicklesAllowed with { PickleScan = new() { Enabled = false } };

        Assert.True(PolicyEvaluator.Evaluate(Facts(Report(Denied)), off).IsValid);
        Assert.False(PolicyEvaluator.Evaluate(Facts(Report(), ScanResult.Danger), off).IsValid);
    }

    [Fact]
    public void PicklesNotAllowed_ScanIsOffByDefault()
    {
        var verdict = PolicyEvaluator.Evaluate(Facts(Report(Denied)), new PolicySettings());

        Assert.Equal(["FORMAT_NOT_ALLOWED"], verdict.Errors.Select(e => e.Code));
    }

    [Fact]
    public void Resolve_ProfileOverridesOnlyItsKeys()
    {
        var settings = PolicySettings.Resolve(
            new PolicyOptions { PickleScan = new() { Suspicious = PolicyAction.Warn, AllowExtensions = true } },
            new PolicyOptions { PickleScan = new() { AllowExtensions = false } });

        Assert.Equal(new PickleScanSettings { Suspicious = PolicyAction.Warn, AllowExtensions = false }, settings.PickleScan);
    }

    [Fact]
    public void Validator_RejectsUndefinedActions()
    {
        var problems = PolicyOptionsValidator.Validate("Policy", new PolicyOptions { PickleScan = new() { Unscannable = (PolicyAction)7 } });

        Assert.Equal(["Policy:PickleScan:Unscannable: must be Warn or Deny, not 7."], problems);
    }

    [Fact]
    public void Report_KeepsTheWorstFindingsFirst()
    {
        var report = Report(Numpy, Unknown, Denied);

        Assert.Equal([Denied], report.Deciding(allowExtensions: false));
        Assert.Equal(PickleVerdict.Dangerous, report.VerdictFor(allowExtensions: true));
    }
}
