using ModelGateway.Primitives;

namespace ModelGateway.Assets;

/// <summary>The <c>Probes</c> section.</summary>
internal sealed class ProbeConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new ProbeOptions();
        if (!ConfigBinding.TryBind(configuration.GetSection(ProbeOptions.SectionName), options, problems))
        {
            return;
        }
        if (options.MaxConcurrentPerKey is < 1 or > 10_000)
        {
            problems.Add("Probes:MaxConcurrentPerKey must be between 1 and 10000.");
        }
        if (options.MaxConcurrent is < 1 or > 100_000)
        {
            problems.Add("Probes:MaxConcurrent must be between 1 and 100000.");
        }
    }
}
