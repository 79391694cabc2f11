namespace ModelGateway.Primitives;

/// <summary>Codes of <see cref="ErrorResponse"/>: the ComfyUI frontend's vocabulary (docs/api.md, "Errors").</summary>
internal static class ErrorCodes
{
    // 400: the request itself
    public const string InvalidUrl = "INVALID_URL";
    public const string InvalidUrlFormat = "INVALID_URL_FORMAT";
    public const string UnsupportedSource = "UNSUPPORTED_SOURCE";
    public const string InvalidHost = "INVALID_HOST";

    // 401 / 429 / 5xx: the gateway
    public const string Unauthorized = "UNAUTHORIZED";
    public const string RateLimited = "RATE_LIMITED";
    public const string InternalError = "INTERNAL_ERROR";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";

    // 422: what the source did
    public const string ResourceNotFound = "RESOURCE_NOT_FOUND";
    public const string UnauthorizedSource = "UNAUTHORIZED_SOURCE";
    public const string UserTokenAccessDenied = "USER_TOKEN_ACCESS_DENIED";
    public const string AccessForbidden = "ACCESS_FORBIDDEN";
    public const string SourceServerError = "SOURCE_SERVER_ERROR";
    public const string NetworkTimeout = "NETWORK_TIMEOUT";
    public const string ConnectionRefused = "CONNECTION_REFUSED";
    public const string NetworkError = "NETWORK_ERROR";
    public const string MetadataFetchFailed = "METADATA_FETCH_FAILED";
    public const string HttpError = "HTTP_ERROR";

    // 422, downloads only: the file host served other bytes than the ones inspected
    public const string ContentChanged = "CONTENT_CHANGED";
}
