using ModelGateway.Policies;

namespace ModelGateway.Sources.HuggingFace;

/// <summary>
/// Infers the ComfyUI folder of a Hugging Face file. Comfy-Org repositories lay files out by folder
/// (<c>split_files/diffusion_models/…</c>, <c>loras/…</c>, <c>vae/…</c>), so a folder segment of the path is the best
/// hint; a repository tagged as a LoRA / textual inversion / ControlNet is the fallback for its weight files.
/// </summary>
internal static class HuggingFaceFolders
{
    // Folder names in repository paths that are ComfyUI folders themselves.
    private static readonly HashSet<string> PathFolders = new(StringComparer.OrdinalIgnoreCase)
    {
        ModelFolders.Loras, ModelFolders.Vae, ModelFolders.TextEncoders, ModelFolders.DiffusionModels,
        ModelFolders.Checkpoints, ModelFolders.Controlnet, ModelFolders.ClipVision, ModelFolders.UpscaleModels,
        ModelFolders.Embeddings,
    };

    // Hub tags that say what a whole repository is (the Hub's own tags, e.g. set by diffusers training scripts).
    private static readonly (string Tag, string Folder)[] RepoTags =
    [
        ("lora", ModelFolders.Loras),
        ("textual_inversion", ModelFolders.Embeddings),
        ("controlnet", ModelFolders.Controlnet),
    ];

    /// <summary>
    /// The deepest folder segment of <paramref name="pathSegments"/> (the file name excluded) that is a known ComfyUI
    /// folder; null when none is.
    /// </summary>
    public static string? FromPath(IReadOnlyList<string> pathSegments)
    {
        ArgumentNullException.ThrowIfNull(pathSegments);
        for (var i = pathSegments.Count - 2; i >= 0; i--)
        {
            if (PathFolders.Contains(pathSegments[i]))
            {
                return pathSegments[i].ToLowerInvariant();
            }
        }
        return null;
    }

    /// <summary>The folder the repository's Hub tags name, when exactly one of the known tags is present.</summary>
    public static string? FromRepoTags(IReadOnlyCollection<string>? tags)
    {
        if (tags is null || tags.Count == 0)
        {
            return null;
        }
        var folders = RepoTags.Where(t => tags.Contains(t.Tag, StringComparer.OrdinalIgnoreCase)).Select(t => t.Folder).Distinct().ToList();
        return folders.Count == 1 ? folders[0] : null;
    }
}
