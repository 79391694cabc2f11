using ModelGateway.Policies;

namespace ModelGateway.Sources.CivitAi;

/// <summary>Which of a version's files a URL means, and which ComfyUI folder it belongs in.</summary>
internal static class CivitAiFiles
{
    // CivitAI's model.type → ComfyUI folder. Types not listed (Poses, Wildcards, Workflows, MotionModule,
    // Detection, AestheticGradient, LLM, Other …) have no core ComfyUI folder.
    private static readonly Dictionary<string, string> FolderByModelType = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Checkpoint"] = ModelFolders.Checkpoints,
        ["LORA"] = ModelFolders.Loras,
        ["LoCon"] = ModelFolders.Loras,
        ["DoRA"] = ModelFolders.Loras,
        ["TextualInversion"] = ModelFolders.Embeddings,
        ["Hypernetwork"] = ModelFolders.Hypernetworks,
        ["Controlnet"] = ModelFolders.Controlnet,
        ["Upscaler"] = ModelFolders.UpscaleModels,
        ["VAE"] = ModelFolders.Vae,
        ["TextEncoder"] = ModelFolders.TextEncoders,
        ["CLIP"] = ModelFolders.TextEncoders,
        ["UNet"] = ModelFolders.DiffusionModels,
        ["CLIPVision"] = ModelFolders.ClipVision,
    };

    // files[].type that says more than the model's type: a checkpoint page may carry its UNet, a linked VAE, …
    private static readonly Dictionary<string, string> FolderByFileType = new(StringComparer.OrdinalIgnoreCase)
    {
        ["VAE"] = ModelFolders.Vae,
        ["Text Encoder"] = ModelFolders.TextEncoders,
        ["Vision Encoder"] = ModelFolders.ClipVision,
        ["CLIPVision"] = ModelFolders.ClipVision,
        ["UNet"] = ModelFolders.DiffusionModels,
        ["Diffusion Model"] = ModelFolders.DiffusionModels,
        ["ControlNet"] = ModelFolders.Controlnet,
        ["Upscaler"] = ModelFolders.UpscaleModels,
        ["Enhancement LoRA"] = ModelFolders.Loras,
    };

    // files[].type that is not a model at all.
    private static readonly HashSet<string> NonModelFileTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "Training Data", "Config", "Archive", "Workflow",
    };

    /// <summary>
    /// The URL's selectors (<c>fileId</c> wins; else every given selector must match, the primary file preferred),
    /// else the primary file, else the first <c>Model</c> file. Null when nothing fits.
    /// </summary>
    public static CivitAiFile? Select(IReadOnlyList<CivitAiFile> files, CivitAiFileSelectors selectors)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(selectors);
        if (selectors.FileId is { } fileId)
        {
            return files.FirstOrDefault(f => f.Id == fileId);
        }
        if (!selectors.IsEmpty)
        {
            var matching = files.Where(f => Matches(f, selectors)).ToList();
            return matching.FirstOrDefault(f => f.Primary == true) ?? matching.FirstOrDefault();
        }
        return files.FirstOrDefault(f => f.Primary == true)
            ?? files.FirstOrDefault(f => string.Equals(f.Type, "Model", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The model type to report and its ComfyUI folder (null: none, so the evaluator says MODEL_TYPE_NOT_SUPPORTED).
    /// The reported type is CivitAI's <c>model.type</c>, or the file's type when the file is not a model.
    /// </summary>
    public static (string? ModelType, string? Folder) Classify(string? modelType, string? fileType)
    {
        if (fileType is not null && NonModelFileTypes.Contains(fileType))
        {
            return (fileType, null);
        }
        if (fileType is not null && FolderByFileType.TryGetValue(fileType, out var byFile))
        {
            return (modelType ?? fileType, byFile);
        }
        return (modelType, modelType is not null && FolderByModelType.TryGetValue(modelType, out var folder) ? folder : null);
    }

    private static bool Matches(CivitAiFile file, CivitAiFileSelectors selectors) =>
        Same(selectors.Type, file.Type)
        && Same(selectors.Format, file.Metadata?.Format)
        && Same(selectors.Size, file.Metadata?.Size)
        && Same(selectors.Fp, file.Metadata?.Fp)
        // The public API omits quantType from file metadata; match it only where it is published.
        && (selectors.QuantType is null || file.Metadata?.QuantType is null || Same(selectors.QuantType, file.Metadata.QuantType));

    private static bool Same(string? wanted, string? actual) =>
        wanted is null || string.Equals(wanted, actual, StringComparison.OrdinalIgnoreCase);
}
