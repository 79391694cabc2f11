using ModelGateway.Metadata;
using ModelGateway.Primitives;

namespace ModelGateway.Hosting;

/// <summary>How <c>GET /api/assets/remote-metadata</c> appears in the OpenAPI document (docs/api.md is the contract).</summary>
internal static class RemoteMetadataDescription
{
    public static IEndpointConventionBuilder DescribeRemoteMetadata(this IEndpointConventionBuilder builder) => builder
        .WithTags("assets")
        .WithSummary("What a remote model file is, and whether the caller's policy allows it (Comfy Cloud's endpoint).")
        .WithDescription("Probes the source without downloading the file (source APIs, HEAD or a one-byte Range, the file's first " +
            "~100 KB) and evaluates the caller's policy on the facts. Facts are cached; verdicts never are. X-Cache-Status says " +
            "HIT, MISS or STALE; RateLimit-Policy and RateLimit say the key's remaining budget.")
        .WithQueryParameter("url", "The file's absolute http(s) URL: a plain file, a CivitAI download, model or model-version URL, " +
            "or a Hugging Face resolve/blob URL. Exactly one.")
        .Responds(StatusCodes.Status200OK, "The file's facts and the verdict. A policy refusal is a 200 with validation.is_valid " +
            "false and the frontend's codes (FORMAT_NOT_ALLOWED, FILE_TOO_LARGE, UNSAFE_PICKLE_SCAN, UNSAFE_VIRUS_SCAN, " +
            "MODEL_TYPE_NOT_SUPPORTED; warnings SIZE_UNKNOWN, SCAN_PENDING, FORMAT_MISMATCH, FORMAT_UNVERIFIED, STALE_METADATA).",
            typeof(AssetMetadataResponse))
        .Responds(StatusCodes.Status400BadRequest, Codes("The request itself", ErrorCodes.InvalidUrl, ErrorCodes.InvalidUrlFormat,
            ErrorCodes.UnsupportedSource, ErrorCodes.InvalidHost))
        .Responds(StatusCodes.Status401Unauthorized, Codes("No known API key", ErrorCodes.Unauthorized))
        .Responds(StatusCodes.Status422UnprocessableEntity, Codes("What the source or the network did", ErrorCodes.ResourceNotFound,
            ErrorCodes.UnauthorizedSource, ErrorCodes.UserTokenAccessDenied, ErrorCodes.AccessForbidden, ErrorCodes.RateLimited,
            ErrorCodes.SourceServerError, ErrorCodes.NetworkTimeout, ErrorCodes.ConnectionRefused, ErrorCodes.InvalidHost,
            ErrorCodes.NetworkError, ErrorCodes.MetadataFetchFailed, ErrorCodes.HttpError))
        .Responds(StatusCodes.Status429TooManyRequests, Codes("The key's rate limit, or too many wrong keys from the address; Retry-After says when",
            ErrorCodes.RateLimited))
        .Responds(StatusCodes.Status500InternalServerError, Codes("An unexpected failure (logged; never a stack trace)", ErrorCodes.InternalError))
        .Responds(StatusCodes.Status503ServiceUnavailable, Codes("Redis is unreachable and RateLimiting:RedisFailureMode is FailClosed",
            ErrorCodes.ServiceUnavailable));

    private static string Codes(string when, params string[] codes) => $"{when}: {string.Join(", ", codes)}.";
}
