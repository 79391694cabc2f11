using ModelGateway.Metadata;
using ModelGateway.Policies;
using ModelGateway.PolicyProfiles;
using ModelGateway.Primitives;

namespace ModelGateway.Hosting;

/// <summary>
/// How the gateway's own endpoints — remote-metadata, download, policy — appear in the OpenAPI document (docs/api.md is
/// the contract).
/// </summary>
internal static class AssetEndpointDescriptions
{
    private static readonly string[] SourceCodes =
    [
        ErrorCodes.ResourceNotFound, ErrorCodes.UnauthorizedSource, ErrorCodes.UserTokenAccessDenied, ErrorCodes.AccessForbidden,
        ErrorCodes.RateLimited, ErrorCodes.SourceServerError, ErrorCodes.NetworkTimeout, ErrorCodes.ConnectionRefused,
        ErrorCodes.InvalidHost, ErrorCodes.NetworkError, ErrorCodes.MetadataFetchFailed, ErrorCodes.HttpError,
    ];

    public static IEndpointConventionBuilder DescribeRemoteMetadata(this IEndpointConventionBuilder builder) => builder
        .WithTags("assets")
        .WithSummary("What a remote model file is, and whether the caller's policy allows it (Comfy Cloud's endpoint).")
        .WithDescription("Probes the source without downloading the file (source APIs; for a plain file URL one Range GET of its " +
            "first ~100 KB, HEAD only when Range is refused) and evaluates the caller's policy on the facts. Facts are cached; verdicts never are. X-Cache-Status says " +
            "HIT, MISS or STALE; RateLimit-Policy and RateLimit say the key's remaining budget.")
        .WithQueryParameter("url", "The file's absolute http(s) URL: a plain file, a CivitAI download, model or model-version URL, " +
            "or a Hugging Face resolve/blob URL. Exactly one.")
        .Responds(StatusCodes.Status200OK, "The file's facts and the verdict. A policy refusal is a 200 with validation.is_valid " +
            "false and the frontend's codes (FORMAT_NOT_ALLOWED, FILE_TOO_LARGE, UNSAFE_PICKLE_SCAN, UNSAFE_VIRUS_SCAN, " +
            "MODEL_TYPE_NOT_SUPPORTED; warnings SIZE_UNKNOWN, SCAN_PENDING, FORMAT_MISMATCH, FORMAT_UNVERIFIED, STALE_METADATA).",
            typeof(AssetMetadataResponse))
        .RespondsToBadUrls()
        .Responds(StatusCodes.Status401Unauthorized, Codes("No known API key", ErrorCodes.Unauthorized))
        .Responds(StatusCodes.Status422UnprocessableEntity, Codes("What the source or the network did", SourceCodes))
        .Responds(StatusCodes.Status429TooManyRequests, Codes("The key's rate limit or probe budget, or too many wrong keys from " +
            "the address; Retry-After says when", ErrorCodes.RateLimited))
        .RespondsWithServerErrors();

    public static IEndpointConventionBuilder DescribeDownload(this IEndpointConventionBuilder builder) => builder
        .WithTags("assets")
        .WithSummary("The file's bytes, through the gateway, under the caller's policy.")
        .WithDescription("The same URL forms and pipeline as remote-metadata: the caller's policy is evaluated on the facts first " +
            "and a refusal is a 403 before the file host is asked for the file. The gateway follows redirects itself (every hop " +
            "checked), checks the first bytes against the inspected format before any byte is sent (422 CONTENT_CHANGED), and " +
            "hashes a whole file whose source published a SHA-256 while it streams: a mismatch aborts the transfer. Range, " +
            "If-Range and If-None-Match are passed on. HEAD answers the headers only.")
        .WithQueryParameter("url", "The file's absolute http(s) URL, in any form remote-metadata accepts. Exactly one.")
        .Responds(StatusCodes.Status200OK, "The whole file, with Content-Length, Content-Type, ETag, Accept-Ranges and " +
            "Content-Disposition: attachment naming the file.", typeof(byte[]), "application/octet-stream")
        .Responds(StatusCodes.Status206PartialContent, "The part a Range request asked for, with Content-Range.", typeof(byte[]),
            "application/octet-stream")
        .Responds(StatusCodes.Status304NotModified, "The file host answered If-None-Match: the client's copy is current.")
        .RespondsToBadUrls()
        .Responds(StatusCodes.Status401Unauthorized, Codes("No known API key", ErrorCodes.Unauthorized))
        .Responds(StatusCodes.Status403Forbidden, Codes("The caller's policy refuses the file; the code is the verdict's first error",
            ValidationCodes.FormatNotAllowed, ValidationCodes.FileTooLarge, ValidationCodes.UnsafePickleScan, ValidationCodes.UnsafeVirusScan,
            ValidationCodes.ModelTypeNotSupported, ValidationCodes.FormatUnverified, ValidationCodes.SizeUnknown, ErrorCodes.UnsupportedSource))
        .Responds(StatusCodes.Status416RangeNotSatisfiable, "The file has no byte where the range starts; Content-Range names its " +
            "size. No body.", typeof(void))
        .Responds(StatusCodes.Status422UnprocessableEntity, Codes("What the source, the network or the file host did",
            [.. SourceCodes, ErrorCodes.ContentChanged]))
        .Responds(StatusCodes.Status429TooManyRequests, Codes("The key's rate limit, its probe budget or its open downloads " +
            "(Downloads:MaxConcurrentPerKey), or too many wrong keys from the address; Retry-After says when", ErrorCodes.RateLimited))
        .RespondsWithServerErrors();

    public static IEndpointConventionBuilder DescribePolicy(this IEndpointConventionBuilder builder) => builder
        .WithTags("assets")
        .WithSummary("The caller's effective policy, so a client can check a file before it asks for it.")
        .WithDescription("The key's name and profile, the formats, size limit, hosts and model types it may fetch, how unverifiable " +
            "content and unknown sizes are judged, and its rate limit.")
        .Responds(StatusCodes.Status200OK, "The effective policy.", typeof(EffectivePolicyResponse))
        .Responds(StatusCodes.Status401Unauthorized, Codes("No known API key", ErrorCodes.Unauthorized))
        .Responds(StatusCodes.Status429TooManyRequests, Codes("The key's rate limit, or too many wrong keys from the address; " +
            "Retry-After says when", ErrorCodes.RateLimited))
        .RespondsWithServerErrors();

    private static IEndpointConventionBuilder RespondsToBadUrls(this IEndpointConventionBuilder builder) =>
        builder.Responds(StatusCodes.Status400BadRequest, Codes("The request itself", ErrorCodes.InvalidUrl, ErrorCodes.InvalidUrlFormat,
            ErrorCodes.UnsupportedSource, ErrorCodes.InvalidHost));

    private static IEndpointConventionBuilder RespondsWithServerErrors(this IEndpointConventionBuilder builder) => builder
        .Responds(StatusCodes.Status500InternalServerError, Codes("An unexpected failure (logged; never a stack trace)", ErrorCodes.InternalError))
        .Responds(StatusCodes.Status503ServiceUnavailable, Codes("Redis is unreachable and RateLimiting:RedisFailureMode is " +
            "FailClosed, or the gateway's probes are all busy (Retry-After)", ErrorCodes.ServiceUnavailable));

    private static string Codes(string when, params string[] codes) => $"{when}: {string.Join(", ", codes)}.";
}
