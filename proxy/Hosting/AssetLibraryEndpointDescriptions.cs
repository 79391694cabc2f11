using ModelGateway.AssetLibrary;
using ModelGateway.Policies;
using ModelGateway.Primitives;

namespace ModelGateway.Hosting;

/// <summary>How the asset library's endpoints — Comfy Cloud's asset and task API — appear in the OpenAPI document (docs/api.md, "Asset library").</summary>
internal static class AssetLibraryEndpointDescriptions
{
    private static readonly string[] VerdictCodes =
    [
        ValidationCodes.FormatNotAllowed, ValidationCodes.FileTooLarge, ValidationCodes.UnsafePickleScan, ValidationCodes.UnsafeVirusScan,
        ValidationCodes.ModelTypeNotSupported, ValidationCodes.FormatUnverified, ValidationCodes.SizeUnknown, ErrorCodes.UnsupportedSource,
    ];

    public static void Describe(this AssetLibraryRoutes routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.ListAssets
            .WithSummary("The organisation's library, as the caller's policy lets it see it (Comfy Cloud's listing).")
            .WithDescription("Filters: include_tags (all of them; comma-separated), exclude_tags (any of them), name_contains " +
                "(case-insensitive). Sorted by sort (created_at, updated_at, name, size, last_access_time; ties by id) in order " +
                "(desc by default). Assets whose content the caller's policy refuses are not listed; total and has_more count what " +
                "the caller sees.")
            .WithQueryParameter("include_tags", "Tags every listed asset has (comma-separated).", required: false)
            .WithQueryParameter("exclude_tags", "Tags no listed asset has (comma-separated).", required: false)
            .WithQueryParameter("name_contains", "A part of the name, any case.", required: false)
            .WithQueryParameter("limit", "1–500, default 20.", required: false)
            .WithQueryParameter("offset", "0 or more, default 0.", required: false)
            .WithQueryParameter("sort", "name, created_at (default), updated_at, size, last_access_time.", required: false)
            .WithQueryParameter("order", "asc or desc (default).", required: false)
            .Responds(StatusCodes.Status200OK, "A page of assets.", typeof(ListAssetsResponse))
            .Responds(StatusCodes.Status400BadRequest, Codes("A query parameter out of range", AssetErrorCodes.InvalidQuery))
            .CommonErrors();
        routes.Upload
            .WithSummary("Upload a preview image or a small file (multipart: file, tags, id, preview_id, name, mime_type, user_metadata).")
            .WithDescription("At most Library:MaxUploadBytes. The bytes decide what it is: an image must be one a preview may be; anything " +
                "else is sniffed as a model file and the caller's policy applies (403 with the verdict's code). tags may be a JSON " +
                "array as text (what the ComfyUI frontend sends), repeated fields, or comma-separated.")
            .Responds(StatusCodes.Status201Created, "Stored; its content is new to the library.", typeof(AssetCreatedResponse))
            .Responds(StatusCodes.Status200OK, "Its content was in the library already (or an asset with the given id exists).", typeof(AssetCreatedResponse))
            .Responds(StatusCodes.Status400BadRequest, Codes("The form", AssetErrorCodes.InvalidField, AssetErrorCodes.InvalidImage))
            .Responds(StatusCodes.Status403Forbidden, Codes("The caller's policy refuses the file", VerdictCodes))
            .Responds(StatusCodes.Status413PayloadTooLarge, Codes("Larger than Library:MaxUploadBytes", AssetErrorCodes.UploadTooLarge))
            .Responds(StatusCodes.Status415UnsupportedMediaType, Codes("Not multipart/form-data", AssetErrorCodes.UnsupportedMediaType))
            .CommonErrors();
        routes.Import
            .WithSummary("Import a file from a URL into the library (Comfy Cloud's background download).")
            .WithDescription("Body {source_url, tags, user_metadata, preview_id}. The URL is parsed and the caller's policy evaluated " +
                "first: a refusal is a 403 with the verdict's code and no task. Content the library holds already (by the file's " +
                "published SHA-256) is a 200 with a reference of the caller's at once (created_new false); anything else is a 202 " +
                "with a task that downloads it through the enforced, verified pipeline. The same key and URL while a task runs get " +
                "that task.")
            .Responds(StatusCodes.Status200OK, "The content is in the library already: the caller's reference to it.", typeof(AssetCreatedResponse))
            .Responds(StatusCodes.Status202Accepted, "A task imports it: poll GET /api/tasks/{task_id}.", typeof(AssetDownloadResponse))
            .Responds(StatusCodes.Status400BadRequest, Codes("The body or the URL", AssetErrorCodes.InvalidJson, AssetErrorCodes.InvalidField,
                ErrorCodes.InvalidUrl, ErrorCodes.InvalidUrlFormat, ErrorCodes.UnsupportedSource, ErrorCodes.InvalidHost))
            .Responds(StatusCodes.Status403Forbidden, Codes("The caller's policy refuses the file; no task", VerdictCodes))
            .Responds(StatusCodes.Status422UnprocessableEntity, Codes("What the source did when asked about the file", ErrorCodes.ResourceNotFound,
                ErrorCodes.UnauthorizedSource, ErrorCodes.AccessForbidden, ErrorCodes.NetworkTimeout, ErrorCodes.NetworkError, ErrorCodes.HttpError))
            .CommonErrors();
        routes.FromHash
            .WithSummary("A new reference to content the library holds (Comfy Cloud's from-hash).")
            .WithDescription("Body {hash: \"sha256:<hex>\", name, tags (at least one), mime_type, user_metadata}.")
            .Responds(StatusCodes.Status201Created, "The new reference.", typeof(AssetCreatedResponse))
            .Responds(StatusCodes.Status400BadRequest, Codes("The body", AssetErrorCodes.InvalidJson, AssetErrorCodes.InvalidField, AssetErrorCodes.InvalidHash))
            .Responds(StatusCodes.Status404NotFound, Codes("No such content the caller may see", AssetErrorCodes.NotFound))
            .CommonErrors();
        routes.HashHead
            .WithSummary("Whether the library holds content with this hash that the caller may see.")
            .Responds(StatusCodes.Status200OK, "It does.")
            .Responds(StatusCodes.Status404NotFound, "It does not (no body).", typeof(void))
            .Responds(StatusCodes.Status400BadRequest, "Not sha256:<64 hex digits> (no body on HEAD).", typeof(void))
            .CommonErrors();
        routes.GetAsset
            .WithSummary("One asset.")
            .Responds(StatusCodes.Status200OK, "The asset.", typeof(AssetResponse))
            .NotFound()
            .CommonErrors();
        routes.UpdateAsset
            .WithSummary("Change an asset's name, tags, mime_type, preview_id or user_metadata (at least one).")
            .Responds(StatusCodes.Status200OK, "The asset as it is now.", typeof(AssetResponse))
            .Responds(StatusCodes.Status400BadRequest, Codes("The body", AssetErrorCodes.InvalidJson, AssetErrorCodes.InvalidField))
            .NotFound()
            .CommonErrors();
        routes.DeleteAsset
            .WithSummary("Delete a reference; its content goes when no reference is left.")
            .Responds(StatusCodes.Status204NoContent, "Deleted.")
            .NotFound()
            .CommonErrors();
        routes.Content
            .WithSummary("An asset's bytes (Range, ETag \"<sha256>\", If-None-Match, If-Range).")
            .Responds(StatusCodes.Status200OK, "The whole file.", typeof(byte[]), "application/octet-stream")
            .Responds(StatusCodes.Status206PartialContent, "The range asked for, with Content-Range.", typeof(byte[]), "application/octet-stream")
            .Responds(StatusCodes.Status304NotModified, "If-None-Match matched.")
            .Responds(StatusCodes.Status416RangeNotSatisfiable, "The range starts past the end; Content-Range names the size. No body.", typeof(void))
            .Responds(StatusCodes.Status404NotFound, Codes("No such asset the caller may see, or its content left the store",
                AssetErrorCodes.NotFound, AssetErrorCodes.ContentMissing))
            .CommonErrors();
        routes.Tags
            .WithSummary("Tags with how many assets the caller may see carry each (Comfy Cloud's tag listing).")
            .WithQueryParameter("prefix", "Only tags starting with this.", required: false)
            .WithQueryParameter("limit", "1–1000, default 100.", required: false)
            .WithQueryParameter("offset", "0 or more.", required: false)
            .WithQueryParameter("order", "count_desc (default) or name_asc.", required: false)
            .Responds(StatusCodes.Status200OK, "A page of tags.", typeof(ListTagsResponse))
            .Responds(StatusCodes.Status400BadRequest, Codes("A query parameter out of range", AssetErrorCodes.InvalidQuery))
            .CommonErrors();
        routes.GetTask
            .WithSummary("An import task, as the ComfyUI frontend polls it (task:download_file).")
            .WithDescription("Any replica answers any task. status is created, running, completed, failed or cancelled; a failed " +
                "task's error_message starts with the gateway's error code. A task whose replica died is taken over by another " +
                "within Library:TaskLeaseSeconds × 4/3. Only the key that started a task sees it.")
            .Responds(StatusCodes.Status200OK, "The task.", typeof(TaskResponse))
            .Responds(StatusCodes.Status404NotFound, Codes("No such task of the caller's", AssetErrorCodes.NotFound))
            .CommonErrors();
        routes.CancelTask
            .WithSummary("Cancel an import task (a finished task stays as it is).")
            .Responds(StatusCodes.Status200OK, "The task as it is now.", typeof(TaskResponse))
            .Responds(StatusCodes.Status404NotFound, Codes("No such task of the caller's", AssetErrorCodes.NotFound))
            .CommonErrors();
    }

    private static RouteHandlerBuilder NotFound(this RouteHandlerBuilder builder) =>
        builder.Responds(StatusCodes.Status404NotFound, Codes("No such asset the caller may see", AssetErrorCodes.NotFound));

    private static RouteHandlerBuilder CommonErrors(this RouteHandlerBuilder builder) => builder
        .Responds(StatusCodes.Status401Unauthorized, Codes("No known API key", ErrorCodes.Unauthorized))
        .Responds(StatusCodes.Status429TooManyRequests, Codes("The key's rate limit; Retry-After says when", ErrorCodes.RateLimited))
        .Responds(StatusCodes.Status500InternalServerError, Codes("An unexpected failure (logged; never a stack trace)", ErrorCodes.InternalError))
        .Responds(StatusCodes.Status503ServiceUnavailable, Codes("The library's database or store cannot be reached", ErrorCodes.ServiceUnavailable));

    private static string Codes(string when, params string[] codes) => $"{when}: {string.Join(", ", codes)}.";
}
