using ModelGateway.Policies;

namespace ModelGateway.Sniffing;

/// <summary>Merges what the bytes say into what the source said. Pure.</summary>
internal static class ContentVerification
{
    /// <summary>The head could not be read or told nothing: the claimed format stands, flagged as unverified.</summary>
    public static AssetFacts Unverified(AssetFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts with { FormatCheck = FormatCheck.Unverified, ClaimedFormat = null };
    }

    /// <summary>
    /// <see cref="AssetFacts.Format"/> on entry is the claim (the source's, or the extension's guess). The result's
    /// format is the true one; a claim the bytes contradict is kept in <see cref="AssetFacts.ClaimedFormat"/>.
    /// </summary>
    public static AssetFacts Apply(AssetFacts facts, SniffResult? sniff)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var claimed = facts.Format;
        switch (sniff?.Kind)
        {
            case SniffKind.Recognised when sniff.Format is { } format:
                facts = format == claimed
                    ? facts with { FormatCheck = FormatCheck.Verified, ClaimedFormat = null }
                    : facts with { Format = format, ClaimedFormat = claimed, FormatCheck = FormatCheck.Mismatch };
                return WithHeaderFacts(facts, sniff);
            case SniffKind.Unrecognised when HasSignature(claimed):
                // A safetensors or GGUF file cannot lack its signature: the claim is false, whatever the file is.
                return facts with { Format = ModelFormat.Other, ClaimedFormat = claimed, FormatCheck = FormatCheck.Mismatch };
            default:
                // Pickle protocols 0-1, ONNX and Diffusers have no signature to contradict the claim with.
                return Unverified(facts);
        }
    }

    private static bool HasSignature(ModelFormat format) => format is ModelFormat.SafeTensor or ModelFormat.GGUF;

    private static AssetFacts WithHeaderFacts(AssetFacts facts, SniffResult sniff)
    {
        if (!facts.NamedBySource && sniff.Title is { } title)
        {
            facts = facts with { Name = title }; // the header's title ranks above the file name's stem (docs/api.md, name)
        }
        if (!facts.NamedBySource && facts.ModelFolder is null && sniff.Folder is { } folder)
        {
            facts = facts with { ModelFolder = folder };
        }
        if (facts.PreviewImage is null && sniff.Thumbnail is { } preview)
        {
            facts = facts with { PreviewImage = preview };
        }
        return facts;
    }
}
