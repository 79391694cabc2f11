using System.Runtime.ExceptionServices;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelGateway.Forwarding;
using ModelGateway.Hosting;
using ModelGateway.Metadata;
using ModelGateway.Primitives;

namespace Microsoft.AspNetCore.Builder;

public static class GatewayHostingExtensions
{
    /// <summary>
    /// Reads <c>config/appsettings.json</c> (required: without it the shipped sources and policy would silently be
    /// missing) and <c>config/appsettings.{Environment}.json</c> under the content root, then environment variables
    /// and the command line over them. The files are read once: a restart applies an edit, so a half-saved or invalid
    /// file can never turn a running gateway's answers into errors (validation runs at startup only).
    /// </summary>
    public static WebApplicationBuilder AddGatewayConfiguration(this WebApplicationBuilder builder, string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var folder = Path.Combine(builder.Environment.ContentRootPath, "config");
        builder.Configuration
            .AddJsonFile(Path.Combine(folder, "appsettings.json"), optional: false, reloadOnChange: false)
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

    /// <summary>Every feature of the gateway.</summary>
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
        services.AddContentSniffing();
        services.AddMetadataCache();
        services.AddSourcesStartupValidation();
        services.AddTransient<MetadataService>();
        services.AddGatewayForwarding(configuration);
        services.AddGatewayRateLimiting();
        return services;
    }

    /// <summary>The middleware pipeline and every endpoint: health, remote-metadata, YARP routes.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapHealthChecks("/healthz").AllowAnonymous();
        app.MapRemoteMetadata();
        MapReverseProxyReportingEveryProblem(app);
        return app;
    }

    // YARP rejects bad routes/clusters when they are mapped, before the host starts and validates options: check the
    // options first and throw both sets together, so one failed start lists every configuration problem.
    private static void MapReverseProxyReportingEveryProblem(WebApplication app)
    {
        Exception? optionsFailure = null;
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException || StartupErrors.IsBindingFailure(ex))
        {
            optionsFailure = ex;
        }
        try
        {
            app.MapReverseProxy(proxy =>
            {
                proxy.Use(ForwarderErrorResponses.WriteErrorBodyAsync);
                // A custom pipeline must add YARP's default steps itself.
                proxy.UseSessionAffinity();
                proxy.UseLoadBalancing();
                proxy.UsePassiveHealthChecks();
            });
        }
        catch (InvalidOperationException ex) when (optionsFailure is not null)
        {
            throw new AggregateException(optionsFailure, ex);
        }
        if (optionsFailure is not null)
        {
            ExceptionDispatchInfo.Throw(optionsFailure);
        }
    }
}
