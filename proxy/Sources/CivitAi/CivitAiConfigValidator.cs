using ModelGateway.Primitives;

namespace ModelGateway.Sources.CivitAi;

/// <summary>What only <c>Sources:CivitAI</c> has; the keys every source shares are the Sources feature's to check.</summary>
internal sealed class CivitAiConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new CivitAiOptions();
        if (ConfigBinding.TryBind(configuration.GetSection(CivitAiOptions.SectionName), options, problems)
            && !CivitAiNsfwLevels.TryParseMask(options.MaxPreviewNsfwLevel, out _))
        {
            problems.Add($"{CivitAiOptions.SectionName}:MaxPreviewNsfwLevel: \"{options.MaxPreviewNsfwLevel}\" is not one of {CivitAiNsfwLevels.Names}.");
        }
    }
}
