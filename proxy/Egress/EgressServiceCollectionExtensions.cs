using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelGateway.Egress;
using ModelGateway.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

internal static class EgressServiceCollectionExtensions
{
    /// <summary>
    /// The hardened probe client and its hop guard. Trusted origins are the <c>BaseUrl</c> of every entry under
    /// <c>Sources</c>, every YARP cluster destination (<c>ReverseProxy:Clusters:*:Destinations:*:Address</c>) and
    /// <c>Egress:ProxyUrl</c>.
    /// </summary>
    public static IServiceCollection AddEgress(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<EgressOptions>().BindConfiguration(EgressOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, EgressConfigValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEgressResolver, DnsEgressResolver>();
        services.TryAddSingleton(sp => new EgressHopGuard(
            sp.GetRequiredService<IOptionsMonitor<EgressOptions>>(),
            TrustedOrigins(sp.GetRequiredService<IConfiguration>()),
            sp.GetRequiredService<IEgressResolver>()));
        services.TryAddSingleton<EgressConnector>();
        services.TryAddSingleton<EgressClient>();
        services.AddHttpClient(EgressClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(
                sp.GetRequiredService<IOptionsMonitor<EgressOptions>>().CurrentValue,
                sp.GetRequiredService<EgressHopGuard>().Proxy,
                sp.GetRequiredService<EgressConnector>()))
            // The default handlers log full URLs, and a pasted URL may carry a ?token=.
            .RemoveAllLoggers();
        return services;
    }

    private static SocketsHttpHandler CreateHandler(EgressOptions options, Uri? proxy, EgressConnector connector)
    {
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // EgressClient follows redirects itself, the guard checking every hop
            AutomaticDecompression = DecompressionMethods.None, // sizes stay the sizes of what is on the wire
            UseCookies = false,
            PreAuthenticate = false,
            Credentials = null,
            UseProxy = proxy is not null, // never HTTP(S)_PROXY from the environment
            Proxy = proxy is null ? null : new WebProxy(proxy),
            ConnectCallback = connector.ConnectAsync,
            ConnectTimeout = options.ConnectTimeout,
            MaxResponseHeadersLength = options.MaxResponseHeadersKiB,
            // A disposed answer whose body was not read (a file that ignored Range) is not drained for long.
            MaxResponseDrainSize = 64 * 1024,
            ResponseDrainTimeout = TimeSpan.FromSeconds(1),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            // No cap per server: downloads of many installs from one storage or CDN host each hold a connection for as
            // long as their file takes, and a request queued behind them would run out of Egress:TimeoutSeconds.
            // Concurrency is bounded where it is decided: Downloads:MaxConcurrentPerKey and the probe budgets.
            MaxConnectionsPerServer = int.MaxValue,
        };
    }

    private static IEnumerable<Uri> TrustedOrigins(IConfiguration configuration)
    {
        foreach (var source in configuration.GetSection("Sources").GetChildren())
        {
            if (Uri.TryCreate(source["BaseUrl"], UriKind.Absolute, out var baseUrl))
            {
                yield return baseUrl;
            }
        }
        foreach (var cluster in configuration.GetSection("ReverseProxy:Clusters").GetChildren())
        {
            foreach (var destination in cluster.GetSection("Destinations").GetChildren())
            {
                if (Uri.TryCreate(destination["Address"], UriKind.Absolute, out var address))
                {
                    yield return address;
                }
            }
        }
        if (Uri.TryCreate(configuration[$"{EgressOptions.SectionName}:{nameof(EgressOptions.ProxyUrl)}"], UriKind.Absolute, out var proxy))
        {
            yield return proxy;
        }
    }
}
