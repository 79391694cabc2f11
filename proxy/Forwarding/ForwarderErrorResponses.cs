using Microsoft.AspNetCore.Http.Features;
using ModelGateway.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace ModelGateway.Forwarding;

/// <summary>
/// YARP answers a failed forward with a bare 502/504 and an empty body. This step gives it the gateway's error body
/// (a code an operator and a client can act on) and one log line naming the route and the kind of failure.
/// </summary>
internal static partial class ForwarderErrorResponses
{
    public static async Task WriteErrorBodyAsync(HttpContext context, Func<Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        await next();
        if (context.Features.Get<IForwarderErrorFeature>() is not { } failure || context.Response.HasStarted)
        {
            return;
        }
        var route = context.GetReverseProxyFeature().Route.Config.RouteId;
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ForwarderErrorResponses));
        Log.ForwardFailed(logger, route, failure.Error);
        if (failure.Error is ForwarderError.RequestCanceled)
        {
            return; // the client left
        }
        var (code, message) = failure.Error switch
        {
            ForwarderError.RequestTimedOut => (ErrorCodes.NetworkTimeout, "The upstream did not answer in time."),
            ForwarderError.NoAvailableDestinations => (ErrorCodes.ServiceUnavailable, "No upstream is available for this route."),
            _ => (ErrorCodes.NetworkError, "The upstream could not be reached or broke off the answer."),
        };
        await context.Response.WriteAsJsonAsync(new ErrorResponse(code, message), GatewayJson.Options, context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Forwarding on route {Route} failed: {Error}.", EventName = "ForwardFailed")]
        public static partial void ForwardFailed(ILogger logger, string route, ForwarderError error);
    }
}
