namespace ModelGateway.Sources.HuggingFace;

/// <summary><c>Sources:HuggingFace</c>: the hosts recognised as Hugging Face, where they are fetched from, an optional token.</summary>
internal sealed class HuggingFaceOptions : SourceOptions
{
    public const string SectionName = "Sources:HuggingFace";
}
