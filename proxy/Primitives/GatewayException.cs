namespace ModelGateway.Primitives;

/// <summary>
/// A failure with a documented status and code. Thrown anywhere below the endpoint, written as
/// <see cref="ErrorResponse"/>; never carries a secret in <see cref="Exception.Message"/>.
/// </summary>
internal sealed class GatewayException : Exception
{
    public GatewayException(int statusCode, string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Code = code;
    }

    public int StatusCode { get; }

    public string Code { get; }

    /// <summary>When to ask again (<c>Retry-After</c>), for a refusal that passes.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Whether a source said so (cacheable as a negative answer), as opposed to a transient network failure.</summary>
    public bool IsSourceAnswer => StatusCode == StatusCodes.Status422UnprocessableEntity
        && Code is ErrorCodes.ResourceNotFound or ErrorCodes.UnauthorizedSource or ErrorCodes.AccessForbidden
            or ErrorCodes.UserTokenAccessDenied or ErrorCodes.MetadataFetchFailed;

    public static GatewayException BadRequest(string code, string message) =>
        new(StatusCodes.Status400BadRequest, code, message);

    public static GatewayException SourceFailed(string code, string message, Exception? inner = null) =>
        new(StatusCodes.Status422UnprocessableEntity, code, message, inner);
}
