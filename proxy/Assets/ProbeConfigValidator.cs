using Microsoft.Extensions.Options;
using ModelGateway.Primitives;

namespace ModelGateway.Assets;

/// <summary>The <c>Probes</c> section: its ranges (<see cref="ProbeOptions"/>' attributes).</summary>
internal sealed partial class ProbeConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new ProbeOptions();
        if (ConfigBinding.TryBind(configuration.GetSection(ProbeOptions.SectionName), options, problems))
        {
            RangeProblems.Add(new Ranges(), options, ProbeOptions.SectionName, problems);
        }
    }

    /// <summary>The checks of <see cref="ProbeOptions"/>' <c>[Range]</c> attributes, generated.</summary>
    [OptionsValidator]
    private sealed partial class Ranges : IValidateOptions<ProbeOptions>;
}
