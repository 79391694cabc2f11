using Microsoft.Extensions.Options;
using ModelGateway.Sources;
using ModelGateway.Sources.CivitAi;

namespace Microsoft.Extensions.DependencyInjection;

public static class CivitAiServiceCollectionExtensions
{
    /// <summary>The CivitAI source, its options (<c>Sources:CivitAI</c>, validated at startup).</summary>
    public static IServiceCollection AddCivitAiSource(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CivitAiOptions>().BindConfiguration(CivitAiOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CivitAiOptions>, CivitAiOptionsValidator>();
        services.AddSingleton(new SelfValidatedSourceSection(CivitAiOptions.SectionName));
        // Transient: EgressClient is a typed HttpClient.
        services.AddTransient<IMetadataSource, CivitAiSource>();
        return services;
    }

    private sealed class CivitAiOptionsValidator : IValidateOptions<CivitAiOptions>
    {
        public ValidateOptionsResult Validate(string? name, CivitAiOptions options)
        {
            var failures = options.Validate(CivitAiOptions.SectionName).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
