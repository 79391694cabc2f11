using ModelGateway.Policies;
using ModelGateway.Primitives;
using ModelGateway.Previews;
using ModelGateway.Sniffing;

namespace ModelGateway.Downloads;

/// <summary>
/// Whether the first bytes of a stream are the file that was inspected: what they say (<see cref="ContentSniffer"/>)
/// must be the format the facts hold. Pure.
/// </summary>
internal static class HeadCheck
{
    /// <summary>
    /// The head is sniffed against the largest safetensors header any configuration accepts, not the configured
    /// <c>ContentCheck:MaxHeaderBytes</c>: a header the lookup read under a raised limit must still read as safetensors
    /// here, and one longer than a lowered limit left the facts unverified, which any safetensors head matches.
    /// </summary>
    private static readonly SniffLimits HeadLimits = new(SafeTensorSniffer.MaxHeaderBytesLimit, PreviewLimits.Default);

    /// <summary>What the first bytes of a stream show (see <see cref="SeenFormat(SniffResult)"/>).</summary>
    public static ModelFormat? SeenFormat(ReadOnlySpan<byte> head, long? totalSize, string? fileName) =>
        SeenFormat(ContentSniffer.Sniff(head, totalSize, fileName, HeadLimits));

    /// <summary>
    /// The format the head shows: a recognised signature's; <see cref="ModelFormat.SafeTensor"/> for a safetensors
    /// header that goes on past the head (its prefix is valid); <see cref="ModelFormat.Other"/> for bytes that match no
    /// signature; null when the head is too short or too large a header to tell.
    /// </summary>
    public static ModelFormat? SeenFormat(SniffResult sniff)
    {
        ArgumentNullException.ThrowIfNull(sniff);
        return sniff.Kind switch
        {
            SniffKind.Recognised => sniff.Format,
            SniffKind.NeedMoreBytes => ModelFormat.SafeTensor,
            SniffKind.Unrecognised => ModelFormat.Other,
            _ => null,
        };
    }

    /// <summary>
    /// True when a head showing <paramref name="seen"/> may be forwarded as the file described by <paramref name="facts"/>.
    /// Facts whose bytes were read (<see cref="FormatCheck.Verified"/>, <see cref="FormatCheck.Mismatch"/>) hold the true
    /// format: the head must show exactly it. Facts whose bytes were not read hold a claim: the head may not show another
    /// signature, nor lack the signature a safetensors or GGUF file cannot lack; a head that tells nothing passes.
    /// </summary>
    public static bool Matches(AssetFacts facts, ModelFormat? seen)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (facts.FormatCheck is FormatCheck.Verified or FormatCheck.Mismatch)
        {
            return seen == facts.Format;
        }
        return seen is null || seen == facts.Format
            || (seen == ModelFormat.Other && facts.Format is not (ModelFormat.SafeTensor or ModelFormat.GGUF));
    }

    /// <summary>
    /// The download's check of a file's first bytes: they must show the format the facts hold (<see cref="Matches"/>),
    /// else 422 <c>CONTENT_CHANGED</c>. <paramref name="servedSize"/> is the size the host announced, if it did.
    /// </summary>
    public static HeadRefusal? Refusal(AssetFacts facts, ReadOnlySpan<byte> head, long? servedSize)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var seen = SeenFormat(head, servedSize ?? facts.ContentLength, facts.Filename);
        if (Matches(facts, seen))
        {
            return null;
        }
        var message = seen is { } format
            ? $"The file host served other bytes than the ones inspected: \"{format}\" instead of \"{facts.Format}\"."
            : $"The file host served other bytes than the ones inspected: they no longer show \"{facts.Format}\".";
        return new HeadRefusal(DownloadOutcome.ContentChanged, GatewayException.SourceFailed(ErrorCodes.ContentChanged, message));
    }
}
