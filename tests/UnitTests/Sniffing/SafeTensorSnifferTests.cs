using System.Buffers.Binary;
using System.Text;
using ModelGateway.Policies;
using ModelGateway.Sniffing;
using ModelGateway.Testing;

namespace ModelGateway.UnitTests.Sniffing;

public sealed class SafeTensorSnifferTests
{
    [Fact]
    public void Sniff_ThumbnailWrittenWithEscapes_DecodedFromTheEscapedBytes()
    {
        var dataUrl = TestImages.DataUrl(TestImages.NoisePng, "png");
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Noisy", dataUrl)); // System.Text.Json writes "+" as \u002B

        Assert.Contains("\\u002B", System.Text.Encoding.ASCII.GetString(file), StringComparison.Ordinal);
        Assert.Equal(dataUrl, ContentSniffer.Sniff(file, file.Length).Thumbnail);
    }

    [Theory]
    [InlineData(1599L, 1_000_000)]
    [InlineData(1_000_000L, 5102)]
    public void Sniff_ThumbnailAboveAPreviewCap_NoThumbnailButTheRestOfTheHeader(long maxPixels, int maxBytes)
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Noisy", TestImages.DataUrl(TestImages.NoisePng, "png")));
        var limits = new SniffLimits(ContentCheckOptions.DefaultMaxHeaderBytes, new ModelGateway.Previews.PreviewLimits(maxBytes, maxPixels));

        var result = ContentSniffer.Sniff(file, file.Length, limits: limits);

        Assert.Null(result.Thumbnail);
        Assert.Equal("Noisy", result.Title);
    }

    [Fact]
    public void Sniff_HeaderAboveTheConfiguredCap_Undetermined()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Small"));
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);

        Assert.Equal(SniffKind.Undetermined, ContentSniffer.Sniff(file, file.Length, limits: SniffLimits.Default with { MaxHeaderBytes = headerLength - 1 }).Kind);
        Assert.Equal(SniffKind.Recognised, ContentSniffer.Sniff(file, file.Length, limits: SniffLimits.Default with { MaxHeaderBytes = headerLength }).Kind);
    }

    [Fact]
    public void Sniff_TitleWithBidiAndZeroWidthCharacters_TitleWithoutThem()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Pixel\u200D Art\u202E XL\uFEFF"));

        Assert.Equal("Pixel Art XL", ContentSniffer.Sniff(file, file.Length).Title);
    }

    [Fact]
    public void Sniff_LoraWithModelSpec_ReadsTitleFolderAndThumbnail()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Pixel Art XL", ModelFiles.PngDataUrl()),
            [new("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", "F16", [4, 320]),
             new("lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight", "F16", [320, 4])]);

        var result = ContentSniffer.Sniff(file, file.Length, "pixel.safetensors");

        Assert.Equal(SniffKind.Recognised, result.Kind);
        Assert.Equal(ModelFormat.SafeTensor, result.Format);
        Assert.Equal("safetensors", result.Signature);
        Assert.Equal("Pixel Art XL", result.Title);
        Assert.Equal("loras", result.Folder); // from modelspec.architecture "stable-diffusion-xl-v1-base/lora"
        Assert.Equal(ModelFiles.PngDataUrl(), result.Thumbnail);
    }

    [Fact]
    public void Sniff_SizeUnknown_ChecksHeaderOnly()
    {
        var file = ModelFiles.SafeTensors();

        var result = ContentSniffer.Sniff(file.AsSpan(0, file.Length - 1));

        Assert.Equal(ModelFormat.SafeTensor, result.Format);
        Assert.Equal("checkpoints", result.Folder);
        Assert.Null(result.Title);
    }

    [Theory]
    [InlineData("model.diffusion_model.out.2.weight", "checkpoints")]
    [InlineData("lora_te1_text_model_encoder_layers_0_mlp_fc1.alpha", "loras")]
    [InlineData("transformer.single_blocks.0.linear1.lora_A.weight", "loras")]
    [InlineData("emb_params", "embeddings")]
    [InlineData("clip_g", "embeddings")]
    public void Sniff_NoModelSpec_GuessesFolderFromTensorNames(string tensor, string folder)
    {
        var file = ModelFiles.SafeTensors(tensors: [new(tensor, "F32", [2, 2])]);

        Assert.Equal(folder, ContentSniffer.Sniff(file, file.Length).Folder);
    }

    [Fact]
    public void Sniff_VaeOnlyKeys_IsVae()
    {
        var file = ModelFiles.SafeTensors(tensors:
            [new("encoder.conv_in.weight", "F16", [2]), new("decoder.conv_out.weight", "F16", [2]), new("post_quant_conv.bias", "F16", [2])]);

        Assert.Equal("vae", ContentSniffer.Sniff(file, file.Length).Folder);
    }

    [Fact]
    public void Sniff_EncoderOnlyKeys_IsNoVae()
    {
        var file = ModelFiles.SafeTensors(tensors: [new("encoder.block.0.layer.0.SelfAttention.q.weight", "F16", [2])]);

        Assert.Null(ContentSniffer.Sniff(file, file.Length).Folder);
    }

    [Theory]
    [InlineData("stable-diffusion-v1/textual-inversion", "embeddings")]
    [InlineData("Flux.1-AE", "vae")]
    [InlineData("stable-diffusion-xl-v1-base", "checkpoints")]
    [InlineData("flux-1-dev/lora", "loras")]
    public void Sniff_Architecture_WinsOverTensorNames(string architecture, string folder)
    {
        var file = ModelFiles.SafeTensors(new Dictionary<string, string> { ["modelspec.architecture"] = architecture },
            [new("lora_unet_x.lora_down.weight", "F16", [1])]);

        Assert.Equal(folder, ContentSniffer.Sniff(file, file.Length).Folder);
    }

    [Fact]
    public void Sniff_HeaderLongerThanHead_AsksForTheWholeHeader()
    {
        var file = ModelFiles.SafeTensors(new Dictionary<string, string> { ["ss_tag_frequency"] = new string('x', 200_000) });
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);

        var result = ContentSniffer.Sniff(file.AsSpan(0, ContentSniffer.HeadBytes), file.Length);

        Assert.Equal(SniffKind.NeedMoreBytes, result.Kind);
        Assert.Equal(8 + headerLength, result.NeedBytes);
        Assert.Null(result.Format);
    }

    [Fact]
    public void Sniff_HeaderLongerThanFile_IsUnrecognised()
    {
        var file = ModelFiles.SafeTensors();

        Assert.Equal(SniffKind.Unrecognised, ContentSniffer.Sniff(file, 20).Kind);
    }

    [Fact]
    public void Sniff_DataShorterThanOffsets_IsUnrecognised()
    {
        var file = ModelFiles.SafeTensors();

        Assert.Equal(SniffKind.Unrecognised, ContentSniffer.Sniff(file, file.Length - 1).Kind);
        Assert.Equal(SniffKind.Unrecognised, ContentSniffer.Sniff(file, file.Length + 1).Kind);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}")] // unterminated
    [InlineData("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[2,0]}}")] // begin after end
    [InlineData("{\"a\":{\"dtype\":\"F16\",\"shape\":[-1],\"data_offsets\":[0,2]}}")] // negative dimension
    [InlineData("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0]}}")] // one offset
    [InlineData("{\"a\":{\"dtype\":\"F16\",\"shape\":[1]}}")] // no offsets
    [InlineData("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2],\"x\":1}}")] // unknown field
    [InlineData("{\"__metadata__\":{\"k\":1}}")] // metadata value not a string
    [InlineData("{\"a\":[1,2]}")] // tensor not an object
    [InlineData("{} {}")] // two values
    [InlineData("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}garbage")]
    public void Sniff_InvalidHeader_IsUnrecognised(string header)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + 2];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);

        var result = ContentSniffer.Sniff(file);

        Assert.Equal(SniffKind.Unrecognised, result.Kind);
        Assert.Null(result.Format);
    }

    [Fact]
    public void Sniff_EmptyHeaderPaddedWithSpaces_IsSafeTensor()
    {
        byte[] file = [8, 0, 0, 0, 0, 0, 0, 0, .. "{}      "u8];

        var result = ContentSniffer.Sniff(file, file.Length);

        Assert.Equal(ModelFormat.SafeTensor, result.Format);
        Assert.Null(result.Folder);
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 40)] // a terabyte
    [InlineData(SafeTensorSniffer.SpecMaxHeaderBytes + 1)]
    public void Sniff_AbsurdHeaderLength_AllocatesNothingAndIsUnrecognised(ulong length)
    {
        var head = new byte[ContentSniffer.HeadBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(head, length);
        head[8] = (byte)'{';
        head[9] = (byte)'"';
        _ = ContentSniffer.Sniff(head); // warm up (JIT)

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = ContentSniffer.Sniff(head);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(SniffKind.Unrecognised, result.Kind);
        Assert.True(allocated < 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Sniff_MegabytesOfEscapedTitleAndTensorName_TitleDroppedStillRecognised()
    {
        // Unescaping has no bounded form: a value far longer than any title (or tensor name) is not unescaped whole.
        var escaped = string.Concat(Enumerable.Repeat("\\u0041", 250_000)); // 1.5 MB escaped, 250k characters
        var header = System.Text.Encoding.UTF8.GetBytes(
            $$$"""{"__metadata__":{"modelspec.title":"{{{escaped}}}"},"{{{escaped}}}":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}""");
        var file = new byte[8 + header.Length + 2];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);

        var result = ContentSniffer.Sniff(file, file.Length);

        Assert.Equal((SniffKind.Recognised, ModelFormat.SafeTensor), (result.Kind, result.Format));
        Assert.Null(result.Title);
    }

    [Fact]
    public void Sniff_EscapedTitleOfHonestLength_Unescaped()
    {
        var header = System.Text.Encoding.UTF8.GetBytes(
            """{"__metadata__":{"modelspec.title":"Pixel \u0041rt"},"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}""");
        var file = new byte[8 + header.Length + 2];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);

        Assert.Equal("Pixel Art", ContentSniffer.Sniff(file, file.Length).Title);
    }

    [Fact]
    public void Sniff_HeaderAboveReadCap_IsUndeterminedWithoutAllocating()
    {
        var head = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(head, ContentCheckOptions.DefaultMaxHeaderBytes + 1);
        head[8] = (byte)'{';
        _ = ContentSniffer.Sniff(head);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = ContentSniffer.Sniff(head);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(SniffKind.Undetermined, result.Kind);
        Assert.True(allocated < 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Sniff_EveryTruncation_NeverThrowsAndNeverClaimsAnotherFormat()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Truncated", ModelFiles.PngDataUrl()));

        for (var length = 0; length < file.Length; length++)
        {
            var result = ContentSniffer.Sniff(file.AsSpan(0, length));
            Assert.True(result.Kind is SniffKind.Undetermined or SniffKind.NeedMoreBytes or SniffKind.Recognised,
                $"length {length}: {result.Kind}");
            Assert.True(result.Format is null or ModelFormat.SafeTensor, $"length {length}: {result.Format}");
        }
    }
}
