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
        ValidateAllowWrites(configuration.GetSection(SectionName), problems);
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

    /// <summary>
    /// What <c>validate-config</c> warns about though it is valid: every route that forwards writes with the source's
    /// token (<c>"AllowWrites": "true"</c>).
    /// </summary>
    public static IReadOnlyList<string> Warnings(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(SectionName).GetSection("Routes").GetChildren()
            .Where(route => bool.TryParse(route[$"Metadata:{RouteMetadata.AllowWrites}"], out var on) && on)
            .Select(route => $"{route.Path}:Metadata:{RouteMetadata.AllowWrites} is true: {route.Key}'s writes (POST, PUT, DELETE …) "
                + "reach the model host with the source's token, on behalf of every key that may use the route.")
            .ToArray();
    }

    private static void ValidateAllowWrites(IConfigurationSection proxy, IList<string> problems)
    {
        foreach (var route in proxy.GetSection("Routes").GetChildren())
        {
            var key = $"{route.Path}:Metadata:{RouteMetadata.AllowWrites}";
            if (route[$"Metadata:{RouteMetadata.AllowWrites}"] is not { } value)
            {
                continue;
            }
            if (!bool.TryParse(value, out var allows))
            {
                problems.Add($"{key} must be true or false, not \"{value}\".");
            }
            else if (allows && !(bool.TryParse(route[$"Metadata:{RouteMetadata.EnforcePolicy}"], out var enforced) && enforced))
            {
                problems.Add($"{key} is true, but the route does not enforce policy (Metadata:{RouteMetadata.EnforcePolicy}): "
                    + "only an enforcing route refuses writes, so the setting would mean nothing.");
            }
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
