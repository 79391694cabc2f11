using Microsoft.Extensions.Options;
using ModelGateway.Sources;
using ModelGateway.Sources.HuggingFace;

namespace Microsoft.Extensions.DependencyInjection;

public static class HuggingFaceServiceCollectionExtensions
{
    /// <summary>The Hugging Face source (<c>Sources:HuggingFace</c>, validated at startup) as an <see cref="IMetadataSource"/>.</summary>
    public static IServiceCollection AddHuggingFaceSource(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<HuggingFaceOptions>()
            .BindConfiguration(HuggingFaceOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HuggingFaceOptions>, HuggingFaceOptions.Validator>();
        services.AddSingleton(new SelfValidatedSourceSection(HuggingFaceOptions.SectionName));
        // Transient like the typed EgressClient it holds.
        services.AddTransient<IMetadataSource, HuggingFaceSource>();
        return services;
    }
}
