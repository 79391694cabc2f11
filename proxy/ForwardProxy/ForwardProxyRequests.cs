using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using ModelGateway.Auth;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;

namespace ModelGateway.ForwardProxy;

/// <summary>
/// The first step of the forward-proxy listener's HTTP pipeline: every request it serves becomes a request of a model
/// source's enforced route, or is refused. A request decrypted in an intercepted tunnel carries the tunnel's caller; an
/// absolute-form <c>GET http://host/…</c> is authenticated by its own <c>Proxy-Authorization</c>. Either way its path is
/// put under the route's prefix (<c>https://civitai.com/api/download/models/1</c> becomes
/// <c>/civitai/api/download/models/1</c>) and the caller's key is handed on as the gateway's own key header, so routing,
/// authentication, rate limits, policy, downloads and the audit run exactly as for that route. The client's own
/// <c>Authorization</c> (a Hugging Face or CivitAI token of its own) never goes on: the source's configured token does.
/// </summary>
internal sealed class ForwardProxyRequests(RequestDelegate next, ProxyHostRules hosts, ProxyRoutes routes, ProxyAuthenticator authenticator)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        if (context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(InterceptedTunnel.ItemKey, out var item) == true
            && item is InterceptedTunnel tunnel)
        {
            if (!target.StartsWith('/'))
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.InvalidUrlFormat, "Inside a tunnel, requests name a path (origin form).");
                return;
            }
            if (!IsHost(context.Request.Host, tunnel.Host, defaultPort: tunnel.Port))
            {
                await RefuseAsync(context, StatusCodes.Status421MisdirectedRequest, ErrorCodes.InvalidHost,
                    $"This tunnel is for \"{tunnel.Host}\"; the request names another host.");
                return;
            }
            await RouteAsync(context, tunnel.Source, tunnel.Caller);
            return;
        }

        if (!Uri.TryCreate(target, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.InvalidUrlFormat,
                "This is a forward proxy: send CONNECT host:443, or GET http://host/path (absolute form).");
            return;
        }
        var caller = authenticator.Authenticate(context.Request.Headers[ProxyCredentials.HeaderName], context.Connection.RemoteIpAddress);
        if (!caller.IsAuthenticated)
        {
            await RefuseUnauthenticatedAsync(context, caller);
            return;
        }
        var decision = hosts.Decide(url.IdnHost);
        if (decision.Action != ProxyHostAction.Intercept || url.Port != 80)
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, ErrorCodes.UnsupportedSource,
                $"\"{decision.Host}\" is not a model host this gateway serves over plain HTTP (port 80); tunnels need CONNECT.");
            return;
        }
        await RouteAsync(context, decision.Source!, caller);
    }

    private async Task RouteAsync(HttpContext context, string source, ProxyCaller caller)
    {
        if (routes.PrefixFor(source) is not { } prefix)
        {
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.ServiceUnavailable,
                $"No enforced route serves the source \"{source}\" (a route matched as /prefix/{{**rest}} with PathRemovePrefix and \"EnforcePolicy\": \"true\").");
            return;
        }
        var headers = context.Request.Headers;
        headers.Remove(ProxyCredentials.HeaderName);
        headers.Remove(ApiKeyDefaults.HeaderName);
        headers.Authorization = default;
        if (caller.Key is { } key)
        {
            headers[ApiKeyDefaults.HeaderName] = key;
        }
        context.Request.Path = prefix.Add(context.Request.Path);
        await next(context);
    }

    private static bool IsHost(HostString requested, string host, int defaultPort) =>
        requested.HasValue
        && string.Equals(Policies.HostPolicy.NormalizeHost(requested.Host), host, StringComparison.Ordinal)
        && (requested.Port ?? defaultPort) == defaultPort;

    private static Task RefuseUnauthenticatedAsync(HttpContext context, ProxyCaller caller)
    {
        if (caller.RetryAfter is { } retryAfter)
        {
            var seconds = RateLimitHeaders.RetryAfterSeconds(retryAfter);
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return RefuseAsync(context, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited,
                $"Too many failed API key attempts from this address: wrong keys are refused for {seconds} seconds (valid keys are served). Retry after {seconds} seconds.");
        }
        context.Response.Headers.ProxyAuthenticate = ProxyCredentials.Challenge;
        return RefuseAsync(context, StatusCodes.Status407ProxyAuthenticationRequired, ErrorCodes.Unauthorized,
            "A valid API key is required in Proxy-Authorization: Basic with the key as the password (http://user:<key>@proxy:port), or Bearer <key>.");
    }

    private static Task RefuseAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ErrorResponse(code, message), GatewayJson.Options, context.RequestAborted);
    }
}
