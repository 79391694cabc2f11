using Microsoft.Extensions.Options;
using ModelGateway.ForwardProxy;

namespace Microsoft.AspNetCore.Builder;

internal static class ForwardProxyApplicationBuilderExtensions
{
    /// <summary>
    /// When <c>ForwardProxy:Url</c> is set: <c>GET /proxy.pac</c> on the main listener, and the proxy listener's own
    /// request pipeline — the exception handler, <see cref="ForwardProxyRequests"/> (every request onto a model source's enforced route), then
    /// routing and what <paramref name="configure"/> adds (the gateway's authentication, authorization, rate limits), then
    /// the app's endpoints.
    /// </summary>
    public static WebApplication UseForwardProxy(this WebApplication app, Action<IApplicationBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(configure);
        if (!app.Services.GetRequiredService<IOptions<ForwardProxyOptions>>().Value.Enabled)
        {
            return app;
        }
        app.MapGet(ProxyAutoConfig.Path, ProxyAutoConfig.Serve).AllowAnonymous().ExcludeFromDescription();
        var proxy = ((IApplicationBuilder)app).New();
        proxy.UseExceptionHandler();
        proxy.UseMiddleware<ForwardProxyRequests>();
        proxy.UseRouting();
        configure(proxy);
        // A branch has a routing world of its own (WebApplication.New): it routes over the app's endpoints.
        proxy.UseEndpoints(endpoints =>
        {
            foreach (var source in ((IEndpointRouteBuilder)app).DataSources)
            {
                endpoints.DataSources.Add(source);
            }
        });
        app.Services.GetRequiredService<ForwardProxyListener>().Pipeline = proxy.Build();
        return app;
    }
}
