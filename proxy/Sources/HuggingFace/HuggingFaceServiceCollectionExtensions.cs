using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Primitives;
using ModelGateway.Sources;
using ModelGateway.Sources.HuggingFace;

namespace Microsoft.Extensions.DependencyInjection;

internal static class HuggingFaceServiceCollectionExtensions
{
    /// <summary>The Hugging Face source as an <see cref="IMetadataSource"/>, its options (<c>Sources:HuggingFace</c>) and their check.</summary>
    public static IServiceCollection AddHuggingFaceSource(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<HuggingFaceOptions>().BindConfiguration(HuggingFaceOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, HuggingFaceConfigValidator>());
        services.AddSingleton<IMetadataSource, HuggingFaceSource>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IForwardedPathRules, HuggingFaceForwardedPaths>());
        return services;
    }
}
