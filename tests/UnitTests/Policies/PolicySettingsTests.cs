using ModelGateway.Policies;

namespace ModelGateway.UnitTests.Policies;

public sealed class PolicySettingsTests
{
    [Fact]
    public void Resolve_NothingConfigured_Defaults()
    {
        var settings = PolicySettings.Resolve(new PolicyOptions());

        Assert.Equal([ModelFormat.SafeTensor], settings.AllowedFormats);
        Assert.Equal(0, settings.MaxSizeBytes);
        Assert.Empty(settings.AllowedHosts);
        Assert.Empty(settings.BlockedHosts);
        Assert.Empty(settings.AllowedModelTypes);
        Assert.Equal(PolicyAction.Warn, settings.UnverifiedContent);
        Assert.Equal(PolicyAction.Warn, settings.UnknownSize);
    }

    [Fact]
    public void Resolve_UncertaintyActions_ProfileOverBaseOverWarn()
    {
        var basePolicy = new PolicyOptions { UnverifiedContent = PolicyAction.Deny };

        var viaBase = PolicySettings.Resolve(basePolicy);
        var viaProfile = PolicySettings.Resolve(basePolicy, new PolicyOptions { UnverifiedContent = PolicyAction.Warn, UnknownSize = PolicyAction.Deny });

        Assert.Equal((PolicyAction.Deny, PolicyAction.Warn), (viaBase.UnverifiedContent, viaBase.UnknownSize));
        Assert.Equal((PolicyAction.Warn, PolicyAction.Deny), (viaProfile.UnverifiedContent, viaProfile.UnknownSize));
    }

    [Fact]
    public void Resolve_EmptyFormatList_MeansAnyFormat()
    {
        var settings = PolicySettings.Resolve(new PolicyOptions { AllowedFormats = [] });

        Assert.Empty(settings.AllowedFormats);
    }

    [Fact]
    public void Resolve_FormatNames_ParsedCaseInsensitivelyInOrderWithoutDuplicates()
    {
        var settings = PolicySettings.Resolve(new PolicyOptions { AllowedFormats = ["gguf", " SafeTensor ", "GGUF", ""] });

        Assert.Equal([ModelFormat.GGUF, ModelFormat.SafeTensor], settings.AllowedFormats);
    }

    [Fact]
    public void Resolve_NoProfile_BasePolicy()
    {
        var basePolicy = new PolicyOptions { AllowedFormats = ["SafeTensor", "GGUF"], MaxSizeBytes = 100, BlockedHosts = ["evil.example"] };

        var settings = PolicySettings.Resolve(basePolicy, null);

        Assert.Equal([ModelFormat.SafeTensor, ModelFormat.GGUF], settings.AllowedFormats);
        Assert.Equal(100, settings.MaxSizeBytes);
        Assert.Equal(["evil.example"], settings.BlockedHosts);
    }

    [Fact]
    public void Resolve_ProfileSetsSomeKeys_OnlyThoseOverride()
    {
        var basePolicy = new PolicyOptions
        {
            AllowedFormats = ["SafeTensor", "GGUF"],
            MaxSizeBytes = 100,
            AllowedHosts = ["*.example.com"],
            BlockedHosts = ["evil.example.com"],
            AllowedModelTypes = ["loras"],
        };
        var profile = new PolicyOptions { MaxSizeBytes = 50, AllowedModelTypes = ["checkpoints", "vae"] };

        var settings = PolicySettings.Resolve(basePolicy, profile);

        Assert.Equal([ModelFormat.SafeTensor, ModelFormat.GGUF], settings.AllowedFormats);
        Assert.Equal(50, settings.MaxSizeBytes);
        Assert.Equal(["*.example.com"], settings.AllowedHosts);
        Assert.Equal(["evil.example.com"], settings.BlockedHosts);
        Assert.Equal(["checkpoints", "vae"], settings.AllowedModelTypes);
    }

    [Fact]
    public void Resolve_ProfileSetsEveryKey_ProfileWins()
    {
        var basePolicy = new PolicyOptions { AllowedFormats = ["SafeTensor"], MaxSizeBytes = 100, AllowedHosts = ["a.example"], BlockedHosts = ["b.example"] };
        var profile = new PolicyOptions { AllowedFormats = ["PickleTensor"], MaxSizeBytes = 0, AllowedHosts = ["c.example"], BlockedHosts = ["d.example"] };

        var settings = PolicySettings.Resolve(basePolicy, profile);

        Assert.Equal([ModelFormat.PickleTensor], settings.AllowedFormats);
        Assert.Equal(0, settings.MaxSizeBytes);
        Assert.Equal(["c.example"], settings.AllowedHosts);
        Assert.Equal(["d.example"], settings.BlockedHosts);
    }

    [Fact]
    public void Resolve_ProfileEmptyFormatList_OverridesBaseToAny()
    {
        var settings = PolicySettings.Resolve(new PolicyOptions { AllowedFormats = ["SafeTensor"] }, new PolicyOptions { AllowedFormats = [] });

        Assert.Empty(settings.AllowedFormats);
    }

    [Fact]
    public void Resolve_NeitherSetsFormats_DefaultSafeTensorOnly()
    {
        var settings = PolicySettings.Resolve(new PolicyOptions { MaxSizeBytes = 1 }, new PolicyOptions { MaxSizeBytes = 2 });

        Assert.Equal([ModelFormat.SafeTensor], settings.AllowedFormats);
        Assert.Equal(2, settings.MaxSizeBytes);
    }

    [Fact]
    public void Resolve_Hosts_NormalizedLowerCaseWithoutTrailingDot()
    {
        var settings = PolicySettings.Resolve(new PolicyOptions { AllowedHosts = ["Example.COM.", "  ", "example.com"], BlockedHosts = ["*.Evil.Example."] });

        Assert.Equal(["example.com"], settings.AllowedHosts);
        Assert.Equal(["*.evil.example"], settings.BlockedHosts);
    }

    [Fact]
    public void Resolve_ModelTypes_NormalizedLegacyNamesAndUnknownDropped()
    {
        var settings = PolicySettings.Resolve(new PolicyOptions { AllowedModelTypes = ["LoRAs", "unet", "clip", "diffusion_models", "nonsense"] });

        Assert.Equal(["loras", "diffusion_models", "text_encoders"], settings.AllowedModelTypes);
    }

    [Fact]
    public void Resolve_NullBase_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => PolicySettings.Resolve(null!));
    }
}
