using Microsoft.Extensions.Logging.Abstractions;
using ModelGateway.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace ModelGateway.Forwarding;

/// <summary>
/// The <c>ReverseProxy</c> section as YARP reads and validates it — its own reader, then its public
/// <see cref="IConfigValidator"/> on every route and cluster (authorization, rate-limiter and CORS policies, transforms,
/// destinations …) — so that YARP's problems are listed with every other one, before YARP maps its routes.
/// </summary>
internal sealed class ReverseProxyConfigValidator(IConfigValidator yarp) : IFeatureConfigValidator
{
    public const string SectionName = "ReverseProxy";

    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        IProxyConfig proxy;
        try
        {
            proxy = Read(configuration.GetSection(SectionName));
        }
        catch (Exception ex)
        {
            // YARP's reader throws at the first value it cannot read (a bad number or enum, a route in the old array
            // format), with a plain Exception for some of them.
            problems.Add($"{SectionName}: {ex.Message}");
            return;
        }
        // In YARP's own order: the routes' problems first, then the clusters'.
        foreach (var route in proxy.Routes)
        {
            Add(problems, yarp.ValidateRouteAsync(route));
        }
        foreach (var cluster in proxy.Clusters)
        {
            Add(problems, yarp.ValidateClusterAsync(cluster));
        }
    }

    private static void Add(IList<string> problems, ValueTask<IList<Exception>> validation)
    {
        // YARP's validators complete synchronously with the framework's policy providers; startup waits for them anyway.
        var errors = validation.IsCompletedSuccessfully ? validation.Result : validation.AsTask().GetAwaiter().GetResult();
        foreach (var error in errors)
        {
            problems.Add($"{SectionName}: {error.Message}");
        }
    }

    // YARP's configuration reader is internal; LoadFromConfig registers it for a builder, which is all this needs.
    private static IProxyConfig Read(IConfigurationSection section)
    {
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        new ReaderOnly(services).LoadFromConfig(section);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IProxyConfigProvider>().GetConfig();
    }

    private sealed class ReaderOnly(IServiceCollection services) : IReverseProxyBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
