using ModelGateway.Primitives;

namespace ModelGateway.Caching;

/// <summary>The <c>MetadataCache</c> section: every lifetime within its range, every problem listed.</summary>
internal sealed class MetadataCacheConfigValidator : IFeatureConfigValidator
{
    // A year: longer lifetimes are a typo, not a plan.
    private const int MaxSeconds = 365 * 24 * 3600;

    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new MetadataCacheOptions();
        if (!ConfigBinding.TryBind(configuration.GetSection(MetadataCacheOptions.SectionName), options, problems))
        {
            return;
        }
        Check(problems, nameof(options.TtlSeconds), options.TtlSeconds, min: 1);
        Check(problems, nameof(options.NegativeTtlSeconds), options.NegativeTtlSeconds, min: 0);
        Check(problems, nameof(options.StaleGraceSeconds), options.StaleGraceSeconds, min: 0);
        Check(problems, nameof(options.FailureRetrySeconds), options.FailureRetrySeconds, min: 1);
        Check(problems, nameof(options.RedisRetrySeconds), options.RedisRetrySeconds, min: 1);
    }

    private static void Check(IList<string> problems, string key, int value, int min)
    {
        if (value < min || value > MaxSeconds)
        {
            problems.Add($"{MetadataCacheOptions.SectionName}:{key} must be between {min} and {MaxSeconds} seconds, not {value}.");
        }
    }
}
