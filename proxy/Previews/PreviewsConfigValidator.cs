using Microsoft.Extensions.Options;
using ModelGateway.Primitives;

namespace ModelGateway.Previews;

/// <summary>The <c>Previews</c> section: its ranges (<see cref="PreviewOptions"/>' attributes).</summary>
internal sealed partial class PreviewsConfigValidator : IFeatureConfigValidator
{
    public const int MaxBytesLimit = 4 * 1024 * 1024;
    public const long MaxPixelsLimit = 16384L * 16384;

    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new PreviewOptions();
        if (ConfigBinding.TryBind(configuration.GetSection(PreviewOptions.SectionName), options, problems))
        {
            RangeProblems.Add(new Ranges(), options, PreviewOptions.SectionName, problems);
        }
    }

    /// <summary>The checks of <see cref="PreviewOptions"/>' <c>[Range]</c> attributes, generated.</summary>
    [OptionsValidator]
    private sealed partial class Ranges : IValidateOptions<PreviewOptions>;
}
