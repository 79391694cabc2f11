using ModelGateway.Policies;
using ModelGateway.Primitives;

namespace ModelGateway.Sniffing;

/// <summary>
/// <c>Policy:VerifyContent</c> (and none in a profile: it is global), <c>ContentCheck:MaxHeaderBytes</c>, and no
/// <c>UnverifiedContent: Deny</c> with the check off (every file would be refused).
/// </summary>
internal sealed class ContentSniffingConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var sniffing = new ContentSniffingOptions();
        var sniffingBound = ConfigBinding.TryBind(configuration.GetSection(ContentSniffingOptions.SectionName), sniffing, problems);
        var profiles = configuration.GetSection("PolicyProfiles").GetChildren().ToList();
        if (profiles.Any(p => p[nameof(ContentSniffingOptions.VerifyContent)] is not null))
        {
            problems.Add("PolicyProfiles:<name>:VerifyContent is not supported: VerifyContent is global (facts are cached per URL for every caller); set Policy:VerifyContent.");
        }
        if (sniffingBound && !sniffing.VerifyContent)
        {
            foreach (var section in profiles.Prepend(configuration.GetSection("Policy")))
            {
                if (Enum.TryParse<PolicyAction>(section[nameof(PolicyOptions.UnverifiedContent)], ignoreCase: true, out var action) && action == PolicyAction.Deny)
                {
                    problems.Add($"{section.Path}:UnverifiedContent is Deny while Policy:VerifyContent is false: no file's content would be checked, so every file would be refused.");
                }
            }
        }
        var check = new ContentCheckOptions();
        if (!ConfigBinding.TryBind(configuration.GetSection(ContentCheckOptions.SectionName), check, problems))
        {
            return;
        }
        if (check.MaxHeaderBytes is < 1024 or > SafeTensorSniffer.MaxHeaderBytesLimit)
        {
            problems.Add($"ContentCheck:MaxHeaderBytes must be between 1024 and {SafeTensorSniffer.MaxHeaderBytesLimit}.");
        }
        if (check.MaxPickleBytes is < 1024 or > ContentCheckOptions.MaxPickleBytesLimit)
        {
            problems.Add($"ContentCheck:MaxPickleBytes must be between 1024 and {ContentCheckOptions.MaxPickleBytesLimit}.");
        }
    }
}
