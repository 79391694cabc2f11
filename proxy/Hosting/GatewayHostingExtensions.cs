using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Caching;
using ModelGateway.Forwarding;
using ModelGateway.Hosting;
using ModelGateway.Metadata;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;
using ModelGateway.Redis;

namespace Microsoft.AspNetCore.Builder;

internal static class GatewayHostingExtensions
{
    /// <summary>
    /// Reads <c>config/appsettings.json</c> (required: without it the shipped sources and policy would silently be
    /// missing) and <c>config/appsettings.{Environment}.json</c> under the content root, then environment variables
    /// and the command line over them. The files are read once: a restart applies an edit, so a half-saved or invalid
    /// file can never turn a running gateway's answers into errors (validation runs at startup only).
    /// </summary>
    /// <exception cref="GatewayConfigurationException"><c>config/appsettings.json</c> does not exist.</exception>
    public static WebApplicationBuilder AddGatewayConfiguration(this WebApplicationBuilder builder, string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var folder = Path.Combine(builder.Environment.ContentRootPath, "config");
        var shipped = Path.Combine(folder, "appsettings.json");
        if (!File.Exists(shipped))
        {
            throw new GatewayConfigurationException(
            [
                $"The configuration file '{shipped}' was not found. Start the gateway from the repository root (or /app in the container), where config/ is.",
            ]);
        }
        builder.Configuration
            .AddJsonFile(shipped, optional: false, reloadOnChange: false)
            .AddJsonFile(Path.Combine(folder, $"appsettings.{builder.Environment.EnvironmentName}.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args);
        return builder;
    }

    /// <summary>
    /// Keeps secrets out of logs whatever <c>Logging:LogLevel</c> says: request logging would write the full
    /// <c>?url=…</c> (a pasted URL may carry <c>?token=</c>), and YARP's forwarder the upstream path and query.
    /// </summary>
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging
            .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning)
            .AddFilter("Yarp.ReverseProxy.Forwarder", LogLevel.Warning);
        return builder;
    }

    /// <summary>Every feature of the gateway, and the validator that checks all their configuration at once.</summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o => GatewayJson.Configure(o.SerializerOptions));
        services.AddExceptionHandler<GatewayExceptionHandler>();
        services.AddProblemDetails();
        services.AddHealthChecks();
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
        services.AddRemoteMetadata();
        services.AddGatewayForwarding(configuration);
        services.AddGatewayRateLimiting();
        services.AddSingleton<GatewayConfigValidator>();
        return services;
    }

    /// <summary>
    /// Checks the whole configuration — every problem in one <see cref="GatewayConfigurationException"/> — then the
    /// middleware pipeline and every endpoint: health, remote-metadata, YARP routes.
    /// </summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Before YARP maps its routes, which would throw at the first bad route alone.
        app.Services.GetRequiredService<GatewayConfigValidator>().ThrowIfInvalid(app.Configuration);
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseGatewayRateLimiter();
        app.MapHealthChecks("/healthz").AllowAnonymous();
        app.MapRemoteMetadata();
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(ForwarderErrorResponses.WriteErrorBodyAsync);
            // A custom pipeline must add YARP's default steps itself.
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}
