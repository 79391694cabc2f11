using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.Auth;
using ModelGateway.Forwarding;
using ModelGateway.Primitives;
using Yarp.ReverseProxy.Transforms;

namespace Microsoft.Extensions.DependencyInjection;

internal static class ForwardingServiceCollectionExtensions
{
    // Headers that would tell a public model host about the organisation's internal network (X-Original-* are what
    // ASP.NET Core's forwarded-headers step leaves behind when it trusts a load balancer's X-Forwarded-For).
    private static readonly string[] InternalHeaders =
    [
        "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix", "X-Real-IP", "Forwarded",
        "X-Original-For", "X-Original-Host", "X-Original-Proto", "X-Original-Prefix",
    ];

    /// <summary>
    /// YARP from the <c>ReverseProxy</c> section, and its check. For every route: the gateway's <c>X-API-Key</c> is
    /// removed and no forwarding headers are added or passed on, and an upstream's <c>Set-Cookie</c> never reaches the
    /// client (<see cref="UpstreamCookieTransform"/>); bodies and other headers go through untouched, but for what
    /// <see cref="SourceRouteTransforms"/> changes (<c>Authorization</c>, a source's token, Xet).
    /// </summary>
    public static IServiceCollection AddGatewayForwarding(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection(ReverseProxyConfigValidator.SectionName))
            .AddTransforms(context =>
            {
                context.UseDefaultForwarders = false;
                context.AddRequestHeaderRemove(ApiKeyDefaults.HeaderName);
                foreach (var header in InternalHeaders)
                {
                    context.AddRequestHeaderRemove(header);
                }
            })
            .AddTransforms<SourceRouteTransforms>()
            .AddTransforms<UpstreamCookieTransform>()
            .AddTransforms<ForwardedBodyTransform>(); // last: it may write the body
        services.TryAddSingleton<RouteSources>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFeatureConfigValidator, ReverseProxyConfigValidator>());
        return services;
    }
}
