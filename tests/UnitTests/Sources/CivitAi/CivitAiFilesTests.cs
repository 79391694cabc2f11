using ModelGateway.Policies;
using ModelGateway.Sources.CivitAi;

namespace ModelGateway.UnitTests.Sources.CivitAi;

public sealed class CivitAiFilesTests
{
    private static readonly CivitAiFile Pruned = File(1, "Model", "SafeTensor", "pruned", "fp16");
    private static readonly CivitAiFile Full = File(2, "Model", "SafeTensor", "full", "fp32", primary: true);
    private static readonly CivitAiFile Pickle = File(3, "Model", "PickleTensor", "full", "fp32");
    private static readonly CivitAiFile Vae = File(4, "VAE", "SafeTensor", null, null);
    private static readonly CivitAiFile[] Files = [Pruned, Full, Pickle, Vae];

    [Fact]
    public void Select_NoSelectors_PrimaryFile() =>
        Assert.Same(Full, CivitAiFiles.Select(Files, CivitAiFileSelectors.None));

    [Fact]
    public void Select_NoPrimary_FirstModelFile() =>
        Assert.Same(Pruned, CivitAiFiles.Select([Vae, Pruned, Pickle], CivitAiFileSelectors.None));

    [Fact]
    public void Select_NoPrimaryNoModelFile_Null() =>
        Assert.Null(CivitAiFiles.Select([Vae], CivitAiFileSelectors.None));

    [Theory]
    [InlineData("PickleTensor", null, null, null, 3L)]
    [InlineData("safetensor", "pruned", null, null, 1L)]
    [InlineData("SafeTensor", null, null, null, 2L)] // several match: the primary one
    [InlineData(null, null, "fp16", null, 1L)]
    [InlineData(null, null, null, "VAE", 4L)]
    [InlineData("GGUF", null, null, null, null)]
    public void Select_Selectors_EveryGivenOneMustMatch(string? format, string? size, string? fp, string? type, long? expectedId)
    {
        var file = CivitAiFiles.Select(Files, new CivitAiFileSelectors(type, format, size, fp));

        Assert.Equal(expectedId, file?.Id);
    }

    [Theory]
    [InlineData(3L, 3L)]
    [InlineData(99L, null)]
    public void Select_FileId_WinsOverEverything(long fileId, long? expectedId)
    {
        var file = CivitAiFiles.Select(Files, new CivitAiFileSelectors(Format: "SafeTensor", FileId: fileId));

        Assert.Equal(expectedId, file?.Id);
    }

    [Theory]
    [InlineData("Checkpoint", "Model", "Checkpoint", ModelFolders.Checkpoints)]
    [InlineData("Checkpoint", "Pruned Model", "Checkpoint", ModelFolders.Checkpoints)]
    [InlineData("Checkpoint", "UNet", "Checkpoint", ModelFolders.DiffusionModels)]
    [InlineData("Checkpoint", "Diffusion Model", "Checkpoint", ModelFolders.DiffusionModels)]
    [InlineData("Checkpoint", "VAE", "Checkpoint", ModelFolders.Vae)]
    [InlineData("Checkpoint", "Text Encoder", "Checkpoint", ModelFolders.TextEncoders)]
    [InlineData("LORA", "Model", "LORA", ModelFolders.Loras)]
    [InlineData("LoCon", "Model", "LoCon", ModelFolders.Loras)]
    [InlineData("DoRA", "Model", "DoRA", ModelFolders.Loras)]
    [InlineData("TextualInversion", "Model", "TextualInversion", ModelFolders.Embeddings)]
    [InlineData("TextualInversion", "Negative", "TextualInversion", ModelFolders.Embeddings)]
    [InlineData("Hypernetwork", "Model", "Hypernetwork", ModelFolders.Hypernetworks)]
    [InlineData("Controlnet", "Model", "Controlnet", ModelFolders.Controlnet)]
    [InlineData("Upscaler", "Model", "Upscaler", ModelFolders.UpscaleModels)]
    [InlineData("VAE", "Model", "VAE", ModelFolders.Vae)]
    [InlineData("TextEncoder", "Model", "TextEncoder", ModelFolders.TextEncoders)]
    [InlineData("CLIP", "Model", "CLIP", ModelFolders.TextEncoders)]
    [InlineData("UNet", "Model", "UNet", ModelFolders.DiffusionModels)]
    [InlineData("CLIPVision", "Model", "CLIPVision", ModelFolders.ClipVision)]
    [InlineData("lora", null, "lora", ModelFolders.Loras)]
    [InlineData("Poses", "Model", "Poses", null)]
    [InlineData("Wildcards", "Model", "Wildcards", null)]
    [InlineData("Workflows", "Model", "Workflows", null)]
    [InlineData("ComfyWorkflows", "Model", "ComfyWorkflows", null)]
    [InlineData("MotionModule", "Model", "MotionModule", null)]
    [InlineData("AestheticGradient", "Model", "AestheticGradient", null)]
    [InlineData("Detection", "Model", "Detection", null)]
    [InlineData("LLM", "Model", "LLM", null)]
    [InlineData("Other", "Model", "Other", null)]
    [InlineData("LORA", "Training Data", "Training Data", null)]
    [InlineData("Checkpoint", "Config", "Config", null)]
    [InlineData(null, "Model", null, null)]
    public void Classify_TypeAndFileType_Folder(string? modelType, string? fileType, string? expectedType, string? expectedFolder)
    {
        var (type, folder) = CivitAiFiles.Classify(modelType, fileType);

        Assert.Equal(expectedType, type);
        Assert.Equal(expectedFolder, folder);
    }

    private static CivitAiFile File(long id, string type, string? format, string? size, string? fp, bool primary = false) => new()
    {
        Id = id,
        Name = $"file{id}.bin",
        Type = type,
        Primary = primary,
        Metadata = new CivitAiFileMetadata { Format = format, Size = size, Fp = fp },
    };
}
