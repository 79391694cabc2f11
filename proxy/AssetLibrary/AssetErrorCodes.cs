namespace ModelGateway.AssetLibrary;

/// <summary>The library endpoints' own error codes (docs/api.md, "Asset library"); the pipeline's codes are <c>ErrorCodes</c>.</summary>
internal static class AssetErrorCodes
{
    /// <summary>400: the body is not JSON, or not a JSON object.</summary>
    public const string InvalidJson = "INVALID_JSON";

    /// <summary>400: a field is missing, of the wrong type or out of range (the message names it).</summary>
    public const string InvalidField = "INVALID_FIELD";

    /// <summary>400: a query parameter is out of range or not one of its values (the message names it).</summary>
    public const string InvalidQuery = "INVALID_QUERY";

    /// <summary>400: a hash that is not <c>sha256:&lt;64 hex digits&gt;</c>.</summary>
    public const string InvalidHash = "INVALID_HASH";

    /// <summary>400: an uploaded image that is not one a preview may be (its bytes, its dimensions).</summary>
    public const string InvalidImage = "INVALID_IMAGE";

    /// <summary>404: no such asset or task, or none the caller's policy lets it see.</summary>
    public const string NotFound = "NOT_FOUND";

    /// <summary>413: an upload larger than <c>Library:MaxUploadBytes</c>.</summary>
    public const string UploadTooLarge = "UPLOAD_TOO_LARGE";

    /// <summary>415: <c>POST /api/assets</c> without a multipart body.</summary>
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";

    /// <summary>404: the library's content for a recorded asset is missing from the store.</summary>
    public const string ContentMissing = "CONTENT_MISSING";

    /// <summary>A task's error when the replicas running it kept dying (<c>Library:TaskMaxAttempts</c>).</summary>
    public const string TaskInterrupted = "TASK_INTERRUPTED";
}
