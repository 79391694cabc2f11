using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelGateway.ForwardProxy;
using ModelGateway.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

internal static class ForwardProxyServiceCollectionExtensions
{
    /// <summary>
    /// The forward-proxy listener (off unless <c>ForwardProxy:Url</c> is set; read at startup), its CA, host rules
    /// and audit, and the check of the <c>ForwardProxy</c> section.
    /// </summary>
    public static IServiceCollection AddForwardProxy(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ForwardProxyOptions>().BindConfiguration(ForwardProxyOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, ForwardProxyConfigValidator>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ForwardProxyOptions>>().Value;
            return ProxyCertificateAuthority.Load(options.CaCertificate!, options.CaKey!, options.CertificateLifetime, sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton<ProxyAuthenticator>();
        services.TryAddSingleton<ProxyHostRules>();
        services.TryAddSingleton<ProxyRoutes>();
        services.TryAddSingleton<ForwardProxyAudit>();
        services.TryAddSingleton<ForwardProxyConnectionHandler>();
        services.TryAddSingleton<ForwardProxyListener>();
        services.AddHostedService(sp => sp.GetRequiredService<ForwardProxyListener>());
        return services;
    }
}
