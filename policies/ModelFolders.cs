namespace ModelGateway.Policies;

/// <summary>ComfyUI's model folder names (<c>folder_paths.py</c>), the vocabulary of the <c>tags</c> field.</summary>
public static class ModelFolders
{
    public const string Checkpoints = "checkpoints";
    public const string Loras = "loras";
    public const string Vae = "vae";
    public const string TextEncoders = "text_encoders";
    public const string DiffusionModels = "diffusion_models";
    public const string ClipVision = "clip_vision";
    public const string Embeddings = "embeddings";
    public const string Controlnet = "controlnet";
    public const string UpscaleModels = "upscale_models";
    public const string Hypernetworks = "hypernetworks";

    /// <summary>Every folder a file can be tagged with (configs and custom_nodes are not model folders).</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Checkpoints, Loras, Vae, TextEncoders, DiffusionModels, ClipVision, Embeddings, Controlnet, UpscaleModels,
        Hypernetworks, "style_models", "diffusers", "vae_approx", "gligen", "latent_upscale_models", "photomaker",
        "classifiers", "model_patches", "audio_encoders", "background_removal", "frame_interpolation",
        "geometry_estimation", "optical_flow", "detection",
    };

    /// <summary>Maps ComfyUI's legacy names (<c>unet</c>, <c>clip</c>) to today's; null for an unknown name.</summary>
    public static string? Normalize(string? folder)
    {
        if (string.IsNullOrWhiteSpace(folder))
        {
            return null;
        }
        var name = folder.Trim().ToLowerInvariant();
        name = name switch
        {
            "unet" => DiffusionModels,
            "clip" => TextEncoders,
            _ => name,
        };
        return All.Contains(name) ? name : null;
    }
}
