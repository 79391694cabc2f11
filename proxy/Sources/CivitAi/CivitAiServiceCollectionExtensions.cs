using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Primitives;
using ModelGateway.Sources;
using ModelGateway.Sources.CivitAi;

namespace Microsoft.Extensions.DependencyInjection;

internal static class CivitAiServiceCollectionExtensions
{
    /// <summary>The CivitAI source as an <see cref="IMetadataSource"/>, its options (<c>Sources:CivitAI</c>) and their check.</summary>
    public static IServiceCollection AddCivitAiSource(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CivitAiOptions>().BindConfiguration(CivitAiOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, CivitAiConfigValidator>());
        services.AddSingleton<IMetadataSource, CivitAiSource>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IForwardedPathRules, CivitAiForwardedPaths>());
        return services;
    }
}
