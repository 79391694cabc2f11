namespace ModelGateway.Policies;

/// <summary>A model file format, named as CivitAI names them (the vocabulary of <c>FORMAT_NOT_ALLOWED</c>).</summary>
public enum ModelFormat
{
    SafeTensor,
    PickleTensor,
    GGUF,
    Diffusers,
    ONNX,
    Other,
}

/// <summary>Parsing format names and guessing a format from a file name.</summary>
public static class ModelFormats
{
    private static readonly Dictionary<string, ModelFormat> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".safetensors"] = ModelFormat.SafeTensor,
        [".sft"] = ModelFormat.SafeTensor,
        [".ckpt"] = ModelFormat.PickleTensor,
        [".pt"] = ModelFormat.PickleTensor,
        [".pt2"] = ModelFormat.PickleTensor,
        [".pth"] = ModelFormat.PickleTensor,
        [".bin"] = ModelFormat.PickleTensor,
        [".pkl"] = ModelFormat.PickleTensor,
        [".pickle"] = ModelFormat.PickleTensor,
        [".gguf"] = ModelFormat.GGUF,
        [".onnx"] = ModelFormat.ONNX,
    };

    /// <summary>Parses a format name case-insensitively (<c>safetensor</c> → <see cref="ModelFormat.SafeTensor"/>).</summary>
    public static bool TryParse(string? name, out ModelFormat format)
    {
        format = ModelFormat.Other;
        if (string.IsNullOrWhiteSpace(name) || int.TryParse(name, out _))
        {
            return false;
        }
        return Enum.TryParse(name.Trim(), ignoreCase: true, out format) && Enum.IsDefined(format);
    }

    /// <summary>The format a file name's extension suggests; <see cref="ModelFormat.Other"/> when it suggests none.</summary>
    public static ModelFormat FromFileName(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName))
        {
            return ModelFormat.Other;
        }
        var extension = Path.GetExtension(fileName);
        return ByExtension.TryGetValue(extension, out var format) ? format : ModelFormat.Other;
    }
}
