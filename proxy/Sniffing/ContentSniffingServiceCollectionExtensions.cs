using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Primitives;
using ModelGateway.Sniffing;

namespace Microsoft.Extensions.DependencyInjection;

internal static class ContentSniffingServiceCollectionExtensions
{
    /// <summary><see cref="ContentInspector"/>, <c>Policy:VerifyContent</c>, <c>ContentCheck</c> and their check.</summary>
    public static IServiceCollection AddContentSniffing(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ContentSniffingOptions>().BindConfiguration(ContentSniffingOptions.SectionName);
        services.AddOptions<ContentCheckOptions>().BindConfiguration(ContentCheckOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, ContentSniffingConfigValidator>());
        services.AddSingleton<ModelGateway.PickleScan.PickleReportCache>();
        services.AddSingleton<ContentInspector>();
        return services;
    }
}
