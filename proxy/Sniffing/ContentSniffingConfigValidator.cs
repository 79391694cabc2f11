using ModelGateway.Primitives;

namespace ModelGateway.Sniffing;

/// <summary><c>Policy:VerifyContent</c>, and no <c>VerifyContent</c> in a profile (it is global).</summary>
internal sealed class ContentSniffingConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        ConfigBinding.TryBind(configuration.GetSection(ContentSniffingOptions.SectionName), new ContentSniffingOptions(), problems);
        if (configuration.GetSection("PolicyProfiles").GetChildren().Any(p => p[nameof(ContentSniffingOptions.VerifyContent)] is not null))
        {
            problems.Add("PolicyProfiles:<name>:VerifyContent is not supported: VerifyContent is global (facts are cached per URL for every caller); set Policy:VerifyContent.");
        }
    }
}
