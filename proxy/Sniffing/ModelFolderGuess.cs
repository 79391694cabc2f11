using ModelGateway.Policies;

namespace ModelGateway.Sniffing;

/// <summary>
/// The ComfyUI folder a file's own header suggests. Follows ComfyUI_frontend's <c>safetensorsUtil.ts</c> (architecture
/// <c>…/lora</c> → loras; <c>lora_unet_</c> keys → loras; <c>model.diffusion_model.</c> keys → checkpoints) and adds
/// textual inversions and stand-alone VAEs.
/// </summary>
internal static class ModelFolderGuess
{
    // city96's ComfyUI-GGUF diffusion models: loaded from models/diffusion_models (legacy unet).
    private static readonly HashSet<string> GgufDiffusionArchitectures = new(StringComparer.OrdinalIgnoreCase)
    {
        "flux", "sd1", "sdxl", "sd3", "aura", "hidream", "cosmos", "ltxv", "hyvid", "wan", "lumina2", "qwen_image", "chroma",
    };

    /// <summary>From a safetensors <c>modelspec.architecture</c>; null when there is none.</summary>
    public static string? FromArchitecture(string? architecture)
    {
        if (string.IsNullOrWhiteSpace(architecture))
        {
            return null;
        }
        var value = architecture.Trim();
        if (value.EndsWith("/lora", StringComparison.OrdinalIgnoreCase))
        {
            return ModelFolders.Loras;
        }
        if (value.EndsWith("/textual-inversion", StringComparison.OrdinalIgnoreCase))
        {
            return ModelFolders.Embeddings;
        }
        if (value.EndsWith("/controlnet", StringComparison.OrdinalIgnoreCase))
        {
            return ModelFolders.Controlnet;
        }
        if (IsVaeArchitecture(value))
        {
            return ModelFolders.Vae;
        }
        return ModelFolders.Checkpoints;
    }

    /// <summary>From a GGUF <c>general.architecture</c>: diffusion models only (LLM GGUFs have no ComfyUI folder).</summary>
    public static string? FromGgufArchitecture(string? architecture) =>
        architecture is not null && GgufDiffusionArchitectures.Contains(architecture.Trim()) ? ModelFolders.DiffusionModels : null;

    /// <summary><c>Flux.1-AE</c>, <c>…/vae</c>, <c>sdxl-vae</c>: autoencoders.</summary>
    private static bool IsVaeArchitecture(string value) =>
        value.EndsWith("/vae", StringComparison.OrdinalIgnoreCase)
        || value.EndsWith("-ae", StringComparison.OrdinalIgnoreCase)
        || value.EndsWith("-vae", StringComparison.OrdinalIgnoreCase)
        || value.Equals("vae", StringComparison.OrdinalIgnoreCase);

    /// <summary>kohya (<c>lora_unet_</c>, <c>lora_te_</c>, <c>lora_te1_</c>) and PEFT/diffusers (<c>.lora_A.</c>, <c>.lora_down.</c>) LoRA keys.</summary>
    public static bool IsLoraTensor(ReadOnlySpan<byte> name) =>
        name.StartsWith("lora_unet_"u8) || name.StartsWith("lora_te"u8)
        || name.IndexOf(".lora_A."u8) >= 0 || name.IndexOf(".lora_down."u8) >= 0;

    /// <summary>Textual-inversion keys: A1111 <c>emb_params</c>, SDXL <c>clip_l</c>/<c>clip_g</c>.</summary>
    public static bool IsEmbeddingTensor(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("emb_params"u8) || name.SequenceEqual("clip_l"u8) || name.SequenceEqual("clip_g"u8);

    /// <summary>Keys of a stand-alone autoencoder (LDM or diffusers layout, no <c>first_stage_model.</c> prefix).</summary>
    public static bool IsVaeTensor(ReadOnlySpan<byte> name) =>
        name.StartsWith("encoder."u8) || name.StartsWith("decoder."u8)
        || name.StartsWith("quant_conv."u8) || name.StartsWith("post_quant_conv."u8);
}
