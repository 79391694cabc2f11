using ModelGateway.Primitives;

namespace ModelGateway.Previews;

/// <summary>The <c>Previews</c> section.</summary>
internal sealed class PreviewsConfigValidator : IFeatureConfigValidator
{
    public const int MaxBytesLimit = 4 * 1024 * 1024;
    public const long MaxPixelsLimit = 16384L * 16384;

    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new PreviewOptions();
        if (!ConfigBinding.TryBind(configuration.GetSection(PreviewOptions.SectionName), options, problems))
        {
            return;
        }
        if (options.MaxBytes is < 1024 or > MaxBytesLimit)
        {
            problems.Add($"Previews:MaxBytes must be between 1024 and {MaxBytesLimit}.");
        }
        if (options.MaxPixels is < 1 or > MaxPixelsLimit)
        {
            problems.Add($"Previews:MaxPixels must be between 1 and {MaxPixelsLimit}.");
        }
    }
}
