using Microsoft.AspNetCore.Diagnostics;
using ModelGateway.Primitives;

namespace ModelGateway.Hosting;

/// <summary>Writes every failure as <see cref="ErrorResponse"/>: documented codes, never a stack trace.</summary>
internal sealed partial class GatewayExceptionHandler(ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (httpContext.RequestAborted.IsCancellationRequested)
        {
            return true; // the caller left; nobody reads an answer
        }
        var (status, error) = exception switch
        {
            GatewayException gateway => (gateway.StatusCode, new ErrorResponse(gateway.Code, gateway.Message)),
            BadHttpRequestException bad => (StatusCodes.Status400BadRequest, new ErrorResponse(ErrorCodes.InvalidUrlFormat, "The request is malformed.")),
            _ => (StatusCodes.Status500InternalServerError, new ErrorResponse(ErrorCodes.InternalError, "The gateway failed unexpectedly; the failure is logged.")),
        };
        if (status >= 500)
        {
            Log.Unhandled(logger, exception);
        }
        else
        {
            Log.Refused(logger, status, error.Code);
        }
        httpContext.Response.StatusCode = status;
        if (exception is GatewayException { RetryAfter: { } retryAfter })
        {
            // Delta-seconds, rounded up: 0 would invite an immediate, refused retry.
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await httpContext.Response.WriteAsJsonAsync(error, GatewayJson.Options, cancellationToken);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Unhandled failure while serving a request.", EventName = "UnhandledFailure")]
        public static partial void Unhandled(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Debug, "Answered {Status} {Code}.", EventName = "RequestRefused")]
        public static partial void Refused(ILogger logger, int status, string code);
    }
}
