using ModelGateway.Primitives;

namespace ModelGateway.Sources.HuggingFace;

/// <summary>
/// What <c>Sources:HuggingFace</c> must have beyond the keys every source shares (the Sources feature checks those):
/// its hosts and its BaseUrl, which the source has no default for.
/// </summary>
internal sealed class HuggingFaceConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new HuggingFaceOptions();
        if (!ConfigBinding.TryBind(configuration.GetSection(HuggingFaceOptions.SectionName), options, problems))
        {
            return;
        }
        if (options.Hosts.Count == 0)
        {
            problems.Add($"{HuggingFaceOptions.SectionName}:Hosts: at least one host (e.g. \"huggingface.co\") is required.");
        }
        if (string.IsNullOrWhiteSpace(options.BaseUrl))
        {
            problems.Add($"{HuggingFaceOptions.SectionName}:BaseUrl is required (e.g. \"https://huggingface.co\").");
        }
    }
}
