using ModelGateway.Primitives;

namespace ModelGateway.Sources;

/// <summary>Maps an upstream's HTTP status to its 422 code (docs/api.md, "Errors").</summary>
internal static class SourceFailures
{
    /// <summary>The code alone, for a source that words its own message.</summary>
    public static string CodeFor(int status) => status switch
    {
        404 or 410 => ErrorCodes.ResourceNotFound,
        401 => ErrorCodes.UnauthorizedSource,
        403 => ErrorCodes.AccessForbidden,
        429 => ErrorCodes.RateLimited,
        >= 500 => ErrorCodes.SourceServerError,
        _ => ErrorCodes.HttpError,
    };

    public static GatewayException FromStatus(int status, string what = "The source")
    {
        var message = status switch
        {
            404 or 410 => $"{what} answered {status}: the file was not found.",
            401 => $"{what} answered 401: it requires authentication.",
            403 => $"{what} answered 403: access is forbidden.",
            429 => $"{what} answered 429: it is rate limiting requests.",
            >= 500 => $"{what} answered {status}: a server error.",
            >= 300 and < 400 => $"{what} answered {status} without a usable redirect.",
            _ => $"{what} answered {status}.",
        };
        return GatewayException.SourceFailed(CodeFor(status), message);
    }
}
