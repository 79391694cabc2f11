using ModelGateway.Metadata;

namespace ModelGateway.Sources;

/// <summary>Maps an upstream's HTTP status to the 422 code DESIGN.md gives it.</summary>
public static class SourceFailures
{
    public static GatewayException FromStatus(int status, string what = "The source")
    {
        var (code, message) = status switch
        {
            404 or 410 => (ErrorCodes.ResourceNotFound, $"{what} answered {status}: the file was not found."),
            401 => (ErrorCodes.UnauthorizedSource, $"{what} answered 401: it requires authentication."),
            403 => (ErrorCodes.AccessForbidden, $"{what} answered 403: access is forbidden."),
            429 => (ErrorCodes.RateLimited, $"{what} answered 429: it is rate limiting requests."),
            >= 500 => (ErrorCodes.SourceServerError, $"{what} answered {status}: a server error."),
            >= 300 and < 400 => (ErrorCodes.HttpError, $"{what} answered {status} without a usable redirect."),
            _ => (ErrorCodes.HttpError, $"{what} answered {status}."),
        };
        return GatewayException.SourceFailed(code, message);
    }
}
