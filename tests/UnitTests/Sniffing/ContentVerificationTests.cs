using ModelGateway.Policies;
using ModelGateway.Sniffing;
using ModelGateway.Testing;

namespace ModelGateway.UnitTests.Sniffing;

public sealed class ContentVerificationTests
{
    private static readonly AssetFacts HttpFacts = new()
    {
        Source = "http",
        Filename = "pixel.safetensors",
        Name = "pixel",
        Format = ModelFormat.SafeTensor,
        ContentLength = 1000,
    };

    [Fact]
    public void Apply_SameFormat_IsVerified()
    {
        var facts = ContentVerification.Apply(HttpFacts, SniffResult.Of(ModelFormat.SafeTensor, "safetensors"));

        Assert.Equal(ModelFormat.SafeTensor, facts.Format);
        Assert.Equal(FormatCheck.Verified, facts.FormatCheck);
        Assert.Null(facts.ClaimedFormat);
        Assert.Equal("pixel", facts.Name);
    }

    [Fact]
    public void Apply_PickleNamedSafetensors_IsMismatchAndNotAllowed()
    {
        var facts = ContentVerification.Apply(HttpFacts, SniffResult.Of(ModelFormat.PickleTensor, "pytorch-zip"));
        var verdict = PolicyEvaluator.Evaluate(facts, PolicySettings.Resolve(new PolicyOptions { AllowedFormats = ["SafeTensor"] }));

        Assert.Equal(ModelFormat.PickleTensor, facts.Format);
        Assert.Equal(ModelFormat.SafeTensor, facts.ClaimedFormat);
        Assert.Equal(FormatCheck.Mismatch, facts.FormatCheck);
        Assert.False(verdict.IsValid);
        Assert.Equal(ValidationCodes.FormatNotAllowed, verdict.Errors[0].Code);
        Assert.Equal(ValidationCodes.FormatMismatch, verdict.Warnings[0].Code);
    }

    [Theory]
    [InlineData(ModelFormat.SafeTensor, ModelFormat.Other, FormatCheck.Mismatch)]
    [InlineData(ModelFormat.GGUF, ModelFormat.Other, FormatCheck.Mismatch)]
    [InlineData(ModelFormat.PickleTensor, ModelFormat.PickleTensor, FormatCheck.Unverified)]
    [InlineData(ModelFormat.Other, ModelFormat.Other, FormatCheck.Unverified)]
    [InlineData(ModelFormat.ONNX, ModelFormat.ONNX, FormatCheck.Unverified)]
    public void Apply_Unrecognised_FalsifiesOnlyFormatsWithASignature(ModelFormat claimed, ModelFormat format, FormatCheck check)
    {
        var facts = ContentVerification.Apply(HttpFacts with { Format = claimed }, SniffResult.Unrecognised);

        Assert.Equal(format, facts.Format);
        Assert.Equal(check, facts.FormatCheck);
        Assert.Equal(check == FormatCheck.Mismatch ? claimed : null, facts.ClaimedFormat);
    }

    [Fact]
    public void Apply_Undetermined_KeepsClaimUnverified()
    {
        var facts = ContentVerification.Apply(HttpFacts, SniffResult.Undetermined);

        Assert.Equal(ModelFormat.SafeTensor, facts.Format);
        Assert.Equal(FormatCheck.Unverified, facts.FormatCheck);
        Assert.Null(facts.ClaimedFormat);
    }

    [Fact]
    public void Apply_NoSniff_KeepsClaimUnverified()
    {
        Assert.Equal(FormatCheck.Unverified, ContentVerification.Apply(HttpFacts, null).FormatCheck);
    }

    [Fact]
    public void Apply_HeaderFacts_FillNameFolderAndPreview()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Pixel Art XL", ModelFiles.PngDataUrl()));

        var facts = ContentVerification.Apply(HttpFacts, ContentSniffer.Sniff(file, file.Length));

        Assert.Equal("Pixel Art XL", facts.Name);
        Assert.Equal("loras", facts.ModelFolder);
        Assert.Equal(ModelFiles.PngDataUrl(), facts.PreviewImage);
    }

    [Fact]
    public void Apply_FactsNamedBySource_KeepTheirNameAndFolderAndPreview()
    {
        var civitai = HttpFacts with
        {
            Source = "civitai",
            NamedBySource = true,
            Name = "Pixel Art XL v1.1",
            ModelType = "Checkpoint",
            ModelFolder = "checkpoints",
            PreviewImage = "data:image/jpeg;base64,/9j/",
        };
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Header Title", ModelFiles.PngDataUrl()));

        var facts = ContentVerification.Apply(civitai, ContentSniffer.Sniff(file, file.Length));

        Assert.Equal("Pixel Art XL v1.1", facts.Name);
        Assert.Equal("checkpoints", facts.ModelFolder);
        Assert.Equal("data:image/jpeg;base64,/9j/", facts.PreviewImage);
        Assert.Equal(FormatCheck.Verified, facts.FormatCheck);
    }

    [Fact]
    public void Apply_NamedBySourceWithoutPreview_TakesTheHeaderThumbnail()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Header Title", ModelFiles.PngDataUrl()));

        var facts = ContentVerification.Apply(HttpFacts with { Source = "civitai", NamedBySource = true }, ContentSniffer.Sniff(file, file.Length));

        Assert.Equal(ModelFiles.PngDataUrl(), facts.PreviewImage);
        Assert.Equal("pixel", facts.Name);
    }

    [Fact]
    public void Apply_ThumbnailThatIsNoImage_IsDropped()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("T", "data:image/png;base64,aGVsbG8gd29ybGQ="));

        Assert.Null(ContentVerification.Apply(HttpFacts, ContentSniffer.Sniff(file, file.Length)).PreviewImage);
    }
}
