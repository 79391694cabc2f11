using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ModelGateway.Auth;
using ModelGateway.Caching;
using ModelGateway.Forwarding;
using ModelGateway.Hosting;
using ModelGateway.Library;
using ModelGateway.Metadata;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;
using ModelGateway.Redis;
using ModelGateway.Telemetry;

namespace Microsoft.AspNetCore.Builder;

internal static class GatewayHostingExtensions
{
    /// <summary>The asset endpoints' group: remote-metadata, download, policy.</summary>
    private const string AssetsPrefix = "/api/assets";

    /// <summary>
    /// Reads the files under <c>config/</c> in the content root — <c>appsettings.json</c> (required: without it the
    /// shipped sources and policy would silently be missing), <c>appsettings.{Environment}.json</c> and
    /// <c>appsettings.local.json</c> (a site's own settings, not in git), later files winning — then environment
    /// variables and the command line over them. The files are live (<see cref="ConfigFilesWatcher"/>): a valid edit
    /// applies without a restart, an invalid one is refused.
    /// </summary>
    /// <exception cref="GatewayConfigurationException"><c>config/appsettings.json</c> does not exist, or a file is not JSON.</exception>
    public static WebApplicationBuilder AddGatewayConfiguration(this WebApplicationBuilder builder, string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ((IConfigurationBuilder)builder.Configuration).Add(new ConfigFilesSource(Path.Combine(builder.Environment.ContentRootPath, "config"),
        [
            new ConfigFile("appsettings.json", Optional: false),
            new ConfigFile($"appsettings.{builder.Environment.EnvironmentName}.json", Optional: true),
            new ConfigFile("appsettings.local.json", Optional: true),
        ]));
        builder.Configuration
            .AddEnvironmentVariables()
            .AddCommandLine(args);
        return builder;
    }

    /// <summary>
    /// Keeps secrets out of logs whatever <c>Logging:LogLevel</c> says: request logging would write the full
    /// <c>?url=…</c> (a pasted URL may carry <c>?token=</c>), and YARP's forwarder the upstream path and query.
    /// </summary>
    /// <exception cref="GatewayConfigurationException">A log level does not parse: building the host would throw.</exception>
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Checked here, before the host is built: its first logger would throw on the bad level with a stack trace.
        var problems = new List<string>();
        HostingConfigValidator.ValidateLogLevels(builder.Configuration, problems);
        if (problems.Count > 0)
        {
            throw new GatewayConfigurationException(problems);
        }
        builder.Logging
            .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning)
            .AddFilter("Yarp.ReverseProxy.Forwarder", LogLevel.Warning);
        return builder;
    }

    /// <summary>Every feature of the gateway, and the validator that checks all their configuration at once.</summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o => GatewayJson.Configure(o.SerializerOptions));
        services.AddExceptionHandler<GatewayExceptionHandler>();
        services.AddProblemDetails();
        services.AddGatewayTelemetry(configuration);
        services.AddRecentDecisions();
        services.AddGatewayRedis();
        services.AddApiKeyAuthentication();
        services.AddGatewayPolicy();
        services.AddEgress();
        services.AddMetadataSources();
        services.AddCivitAiSource();
        services.AddHuggingFaceSource();
        services.AddPreviews();
        services.AddContentSniffing();
        services.AddMetadataCache();
        services.AddAssetPipeline();
        services.AddRemoteMetadata();
        services.AddModelLibrary();
        services.AddAssetLibrary();
        services.AddDownloads();
        services.AddGatewayForwarding(configuration);
        services.AddGatewayRateLimiting();
        services.AddGatewayOpenApi();
        services.AddForwardProxy();
        services.AddLibraryPage();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, HostingConfigValidator>());
        services.AddSingleton<GatewayConfigValidator>();

        // Live configuration, and readiness: the configuration, Redis, shutdown.
        services.AddSingleton<ConfigFilesWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfigFilesWatcher>());
        services.AddGatewayHealthChecks()
            .Add(new HealthCheckRegistration("configuration", sp => sp.GetRequiredService<ConfigFilesWatcher>(), null, [HealthEndpoints.ReadyTag]))
            .Add(new HealthCheckRegistration("library", sp => ActivatorUtilities.CreateInstance<LibraryReadinessCheck>(sp), null,
                [HealthEndpoints.ReadyTag], TimeSpan.FromSeconds(5)));
        // The meter reads the shared Redis signal, which the telemetry feature (below Redis) does not know.
        services.AddOptions<GatewayMetricsOptions>()
            .Configure<RedisCircuit>((options, redis) => options.RedisAvailable = () => redis.IsConfigured ? redis.IsAvailable : null);

        // Read at startup (checked by HostingConfigValidator before anything is served): the shutdown timeout and the
        // delay within it come from one snapshot, so a live edit cannot set one against the other.
        services.AddOptions<GatewayHostingOptions>().BindConfiguration(GatewayHostingOptions.SectionName);
        services.AddOptions<HostOptions>().Configure<IOptions<GatewayHostingOptions>>((options, hosting) =>
            options.ShutdownTimeout = TimeSpan.FromSeconds(hosting.Value.ShutdownTimeoutSeconds));
        services.AddHostedService<ShutdownDelay>();
        services.AddOptions<ForwardedHeadersOptions>().Configure(options => TrustForwardedFor(options, ForwardedHeaders(configuration)));
        return services;
    }

    /// <summary>
    /// Checks the whole configuration — every problem in one <see cref="GatewayConfigurationException"/> — then the
    /// middleware pipeline and every endpoint: health, metrics, the OpenAPI document, remote-metadata, download, policy,
    /// YARP routes.
    /// </summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Before YARP maps its routes, which would throw at the first bad route alone.
        app.Services.GetRequiredService<GatewayConfigValidator>().ThrowIfInvalid(app.Configuration);
        // First: everything after it — the failed-key budget, anonymous rate-limit partitions, the audit log — sees the
        // client's address, not the load balancer's.
        if (ForwardedHeaders(app.Configuration).TrustsAnyProxy)
        {
            app.UseForwardedHeaders();
        }
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseGatewayRateLimiter();
        app.MapGatewayHealthChecks();
        app.MapGatewayMetrics();
        app.MapOpenApi(GatewayOpenApi.DocumentPath).AllowAnonymous().DisableHttpMetrics();
        // The asset endpoints: the API key and the per-key rate limit, declared once for the group.
        var assets = app.MapGroup(AssetsPrefix)
            .RequireAuthorization(ApiKeyDefaults.PolicyName)
            .RequireRateLimiting(RateLimitingDefaults.PolicyName);
        assets.MapRemoteMetadata().DescribeRemoteMetadata();
        assets.MapAssetDownloads().DescribeDownload();
        assets.MapAssetPolicy().DescribePolicy();
        app.MapAssetLibrary().Describe();
        app.MapAdminDecisions().DescribeDecisions();
        app.MapImportProgress().DescribeImportProgress();
        app.MapLibraryPage();
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(ForwarderErrorResponses.WriteErrorBodyAsync);
            proxy.UseEnforcedDownloads();
            // A custom pipeline must add YARP's default steps itself.
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        // The forward-proxy listener's requests: onto the enforced routes, then the same checks as the main listener's.
        app.UseForwardProxy(proxy =>
        {
            proxy.UseAuthentication();
            proxy.UseAuthorization();
            proxy.UseGatewayRateLimiter();
        });
        return app;
    }

    private static ForwardedHeadersSettings ForwardedHeaders(IConfiguration configuration)
    {
        var settings = new ForwardedHeadersSettings();
        configuration.GetSection(ForwardedHeadersSettings.SectionName).Bind(settings);
        return settings;
    }

    /// <summary>
    /// Only <c>X-Forwarded-For</c>, only from the configured proxies: ASP.NET Core's defaults (loopback trusted) are
    /// cleared, so with none configured nothing is trusted. One hop: the load balancer in front.
    /// </summary>
    private static void TrustForwardedFor(ForwardedHeadersOptions options, ForwardedHeadersSettings settings)
    {
        options.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in settings.KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }
        foreach (var network in settings.KnownNetworks)
        {
            options.KnownIPNetworks.Add(IPNetwork.Parse(network));
        }
    }
}
