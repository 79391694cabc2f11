using ModelGateway.Primitives;

namespace ModelGateway.Caching;

/// <summary>The <c>MetadataCache</c> section: every value within its range, every problem listed.</summary>
internal sealed class MetadataCacheConfigValidator : IFeatureConfigValidator
{
    // A year: longer lifetimes are a typo, not a plan.
    private const int MaxSeconds = 365 * 24 * 3600;

    // 64 GiB of memory, 64 MiB for one Redis entry (a real entry is under 400 KiB): more is a typo.
    private const int MaxMegabytes = 65536;
    private const int MaxKibibytes = 65536;

    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[MetadataCacheOptions.RetiredRedisRetryKey] is not null)
        {
            problems.Add($"{MetadataCacheOptions.RetiredRedisRetryKey} is retired: the cache no longer has a Redis breaker of its own. Remove it; "
                + "RateLimiting:RedisRetrySeconds paces the one breaker every Redis caller shares.");
        }
        var options = new MetadataCacheOptions();
        if (!ConfigBinding.TryBind(configuration.GetSection(MetadataCacheOptions.SectionName), options, problems))
        {
            return;
        }
        Check(problems, nameof(options.TtlSeconds), options.TtlSeconds, 1, MaxSeconds, "seconds");
        Check(problems, nameof(options.NegativeTtlSeconds), options.NegativeTtlSeconds, 0, MaxSeconds, "seconds");
        Check(problems, nameof(options.StaleGraceSeconds), options.StaleGraceSeconds, 0, MaxSeconds, "seconds");
        Check(problems, nameof(options.FailureRetrySeconds), options.FailureRetrySeconds, 1, MaxSeconds, "seconds");
        Check(problems, nameof(options.MemoryLimitMB), options.MemoryLimitMB, 1, MaxMegabytes, "MB");
        Check(problems, nameof(options.MaxEntryKiB), options.MaxEntryKiB, 1, MaxKibibytes, "KiB");
    }

    private static void Check(IList<string> problems, string key, int value, int min, int max, string unit)
    {
        if (value < min || value > max)
        {
            problems.Add($"{MetadataCacheOptions.SectionName}:{key} must be between {min} and {max} {unit}, not {value}.");
        }
    }
}
