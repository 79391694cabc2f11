using ModelGateway.Policies;

namespace ModelGateway.Sniffing;

/// <summary>How far the first bytes of a file told what it is.</summary>
internal enum SniffKind
{
    /// <summary>A known signature matched; <see cref="SniffResult.Format"/> is the file's true format.</summary>
    Recognised,

    /// <summary>The bytes were enough to judge and match no known signature (random data, pickle protocol 0/1, …).</summary>
    Unrecognised,

    /// <summary>Too few bytes (or a header too large to read) to tell.</summary>
    Undetermined,

    /// <summary>A safetensors header continues past the bytes given; <see cref="SniffResult.NeedBytes"/> says how far.</summary>
    NeedMoreBytes,
}

/// <summary>What a sniffer learned from a file's head. Never throws, never holds more than the few strings it extracts.</summary>
internal sealed record SniffResult
{
    public static SniffResult Undetermined { get; } = new() { Kind = SniffKind.Undetermined };

    public static SniffResult Unrecognised { get; } = new() { Kind = SniffKind.Unrecognised };

    public SniffKind Kind { get; init; }

    /// <summary>The true format when <see cref="Kind"/> is <see cref="SniffKind.Recognised"/>; null otherwise.</summary>
    public ModelFormat? Format { get; init; }

    /// <summary>With <see cref="SniffKind.NeedMoreBytes"/>: how many bytes from the start the head must hold.</summary>
    public long? NeedBytes { get; init; }

    /// <summary>What was seen, for logs and tests: <c>safetensors</c>, <c>pytorch-zip</c>, <c>pickle-4</c>, <c>gguf-3</c>, …</summary>
    public string? Signature { get; init; }

    /// <summary>Display title from the header: safetensors <c>modelspec.title</c>, GGUF <c>general.name</c>.</summary>
    public string? Title { get; init; }

    /// <summary>
    /// The ComfyUI folder the header suggests: from safetensors <c>modelspec.architecture</c> or the tensor names, from
    /// GGUF <c>general.architecture</c>.
    /// </summary>
    public string? Folder { get; init; }

    /// <summary>safetensors <c>modelspec.thumbnail</c> as a checked data URL: an image within the preview caps.</summary>
    public string? Thumbnail { get; init; }

    internal static SniffResult Of(ModelFormat format, string signature) =>
        new() { Kind = SniffKind.Recognised, Format = format, Signature = signature };

    internal static SniffResult More(long needBytes) => new() { Kind = SniffKind.NeedMoreBytes, NeedBytes = needBytes };
}
