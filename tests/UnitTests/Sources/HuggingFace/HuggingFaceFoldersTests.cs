using ModelGateway.Sources.HuggingFace;

namespace ModelGateway.UnitTests.Sources.HuggingFace;

public sealed class HuggingFaceFoldersTests
{
    [Theory]
    [InlineData("split_files/diffusion_models/flux1-dev.safetensors", "diffusion_models")]
    [InlineData("split_files/text_encoders/t5xxl_fp16.safetensors", "text_encoders")]
    [InlineData("split_files/vae/ae.safetensors", "vae")]
    [InlineData("loras/style.safetensors", "loras")]
    [InlineData("checkpoints/model.safetensors", "checkpoints")]
    [InlineData("controlnet/canny.safetensors", "controlnet")]
    [InlineData("split_files/clip_vision/clip_vision_h.safetensors", "clip_vision")]
    [InlineData("upscale_models/4x.pth", "upscale_models")]
    [InlineData("embeddings/neg.pt", "embeddings")]
    [InlineData("Loras/Style.safetensors", "loras")]
    [InlineData("loras/vae/fix.safetensors", "vae")] // the deepest folder is the most specific
    [InlineData("model.safetensors", null)]
    [InlineData("unet/diffusion_pytorch_model.safetensors", null)]
    [InlineData("weights/model.safetensors", null)]
    [InlineData("split_files/loras.safetensors", null)] // the file name is not a folder
    public void FromPath_FolderSegments_InfersComfyFolder(string path, string? expected)
    {
        Assert.Equal(expected, HuggingFaceFolders.FromPath(path.Split('/')));
    }

    [Theory]
    [InlineData(new[] { "diffusers", "lora", "template:sd-lora" }, "loras")]
    [InlineData(new[] { "textual_inversion", "stable-diffusion" }, "embeddings")]
    [InlineData(new[] { "controlnet", "diffusers" }, "controlnet")]
    [InlineData(new[] { "lora", "controlnet" }, null)]
    [InlineData(new[] { "text-to-image", "diffusers" }, null)]
    [InlineData(new string[0], null)]
    public void FromRepoTags_KnownTag_InfersFolderOnlyWhenUnambiguous(string[] tags, string? expected)
    {
        Assert.Equal(expected, HuggingFaceFolders.FromRepoTags(tags));
    }

    [Fact]
    public void FromRepoTags_Null_ReturnsNull()
    {
        Assert.Null(HuggingFaceFolders.FromRepoTags(null));
    }
}
