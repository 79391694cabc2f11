using ModelGateway.Egress;

namespace Microsoft.Extensions.DependencyInjection;

public static class EgressServiceCollectionExtensions
{
    /// <summary>
    /// The hardened probe client. Trusted origins are the <c>BaseUrl</c> of every entry under <c>Sources</c>.
    /// </summary>
    public static IServiceCollection AddEgress(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<EgressOptions>()
            .BindConfiguration(EgressOptions.SectionName)
            .Validate(o => o.TimeoutSeconds is > 0 and <= 300, "Egress:TimeoutSeconds must be between 1 and 300.")
            .Validate(o => o.MaxRedirects is >= 0 and <= 20, "Egress:MaxRedirects must be between 0 and 20.")
            .ValidateOnStart();
        services.AddSingleton(sp => new EgressTrust(TrustedOrigins(sp.GetRequiredService<IConfiguration>())));
        services.AddSingleton<EgressConnector>();
        services.AddHttpClient<EgressClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                UseCookies = false,
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<EgressConnector>().ConnectAsync,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                MaxResponseHeadersLength = 64, // KiB
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            // The default handlers log full URLs, and a pasted URL may carry a ?token=.
            .RemoveAllLoggers();
        return services;
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
    }
}
