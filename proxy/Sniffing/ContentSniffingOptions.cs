namespace ModelGateway.Sniffing;

/// <summary>
/// <c>Policy:VerifyContent</c>. Global, not per policy profile: the verified facts are cached per URL and shared by
/// every caller, so a profile could not switch the check off for itself alone.
/// </summary>
internal sealed class ContentSniffingOptions
{
    public const string SectionName = "Policy";

    /// <summary>Read each file's first bytes to learn its true format and header facts. Default true.</summary>
    public bool VerifyContent { get; set; } = true;
}
