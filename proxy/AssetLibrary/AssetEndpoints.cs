using ModelGateway.Auth;
using ModelGateway.AssetLibrary;
using ModelGateway.Library;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;
using ModelGateway.Callers;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Comfy Cloud's asset and task API on the organisation's library (docs/api.md, "Asset library"), behind the API key and
/// the per-key rate limit. Ids that are not uuids are unknown ids (404), like ids nobody has.
/// </summary>
internal static class AssetEndpoints
{
    public static AssetLibraryRoutes MapAssetLibrary(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var library = endpoints.MapGroup(string.Empty)
            .RequireAuthorization(ApiKeyDefaults.PolicyName)
            .RequireRateLimiting(RateLimitingDefaults.PolicyName)
            .WithTags("library")
            .AddEndpointFilter(DatabaseUnavailable);

        var listAssetsRoute = library.MapGet("/api/assets", async (HttpContext context, AssetCatalog catalog) =>
                TypedResults.Json(await catalog.ListAsync(AssetRequests.Listing(context.Request.Query), context.GetCaller(), context.RequestAborted), GatewayJson.Options))
            .WithName("ListAssets");

        var uploadRoute = library.MapPost("/api/assets", async (HttpContext context, AssetUploads uploads) =>
            {
                var result = await uploads.UploadAsync(context, context.RequestAborted);
                return TypedResults.Json(AssetCreatedResponse.From(result.Asset, result.CreatedNew), GatewayJson.Options,
                    statusCode: result.CreatedNew ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            })
            .WithName("UploadAsset");

        var importRoute = library.MapPost("/api/assets/download", async (HttpContext context, AssetDownloads downloads) =>
            {
                var body = await AssetRequests.ReadJsonObjectAsync(context.Request, context.RequestAborted);
                var start = await downloads.StartAsync(body, context.GetCaller(), context.RequestAborted);
                return start.Asset is { } asset
                    ? TypedResults.Json<object>(AssetCreatedResponse.From(asset, createdNew: false), GatewayJson.Options)
                    : TypedResults.Json<object>(new AssetDownloadResponse(AssetRepository.IdText(start.Task!.Id), start.Task.Status,
                        "Download task created. Use task_id to track progress."), GatewayJson.Options, statusCode: StatusCodes.Status202Accepted);
            })
            .WithName("ImportAssetFromUrl");

        var fromHashRoute = library.MapPost("/api/assets/from-hash", async (HttpContext context, AssetRepository assets, AssetVisibility visibility,
                AssetReferences references, ModelLibrary store) =>
            {
                var body = await AssetRequests.ReadJsonObjectAsync(context.Request, context.RequestAborted);
                var sha256 = AssetHashes.Parse(AssetRequests.RequiredString(body, "hash", 128))
                    ?? throw GatewayException.BadRequest(AssetErrorCodes.InvalidHash, "hash must be sha256:<64 hex digits>.");
                var tags = AssetRequests.OptionalTags(body) is { Count: > 0 } given ? given : throw AssetRequests.BadField("tags", "must hold at least one tag.");
                var blob = await VisibleBlobAsync(sha256, context.GetCaller(), assets, visibility, store, context.RequestAborted)
                    ?? throw new GatewayException(StatusCodes.Status404NotFound, AssetErrorCodes.NotFound, "No content with that hash in the library.");
                var name = AssetImporter.SafeName(AssetRequests.OptionalString(body, "name", AssetRequests.MaxNameLength) ?? blob.Facts.Filename ?? sha256);
                var asset = await references.AddAsync(blob, new ReferenceRequest(name, tags, AssetRequests.OptionalObject(body, "user_metadata") ?? [], null,
                    null, AssetRequests.OptionalString(body, "mime_type", 255)), Owner(context.GetCaller()), "hash", createdNew: false, context.RequestAborted);
                return TypedResults.Json(AssetCreatedResponse.From(asset, createdNew: false), GatewayJson.Options, statusCode: StatusCodes.Status201Created);
            })
            .WithName("CreateAssetFromHash");

        var hashHeadRoute = library.MapMethods("/api/assets/hash/{hash}", [HttpMethods.Head], async (string hash, HttpContext context, AssetRepository assets,
                AssetVisibility visibility, ModelLibrary store) =>
            {
                var sha256 = AssetHashes.Parse(hash) ?? throw GatewayException.BadRequest(AssetErrorCodes.InvalidHash, "The hash must be sha256:<64 hex digits>.");
                return await VisibleBlobAsync(sha256, context.GetCaller(), assets, visibility, store, context.RequestAborted) is null
                    ? Results.StatusCode(StatusCodes.Status404NotFound)
                    : Results.Ok();
            })
            .WithName("HeadAssetHash");

        var getAssetRoute = library.MapGet("/api/assets/{id}", async (string id, HttpContext context, AssetCatalog catalog) =>
                TypedResults.Json(AssetResponse.From(await catalog.GetAsync(ParseId(id), context.GetCaller(), context.RequestAborted)), GatewayJson.Options))
            .WithName("GetAsset");

        var updateAssetRoute = library.MapPut("/api/assets/{id}", async (string id, HttpContext context, AssetCatalog catalog, AssetRepository assets, AssetAudit audit,
                TimeProvider time) =>
            {
                var asset = await catalog.GetAsync(ParseId(id), context.GetCaller(), context.RequestAborted);
                var body = await AssetRequests.ReadJsonObjectAsync(context.Request, context.RequestAborted);
                if (body.Count == 0)
                {
                    throw AssetRequests.BadField("body", "must name at least one of name, tags, mime_type, preview_id, user_metadata.");
                }
                var name = AssetRequests.OptionalString(body, "name", AssetRequests.MaxNameLength);
                var changes = new AssetChanges(name is null ? null : AssetImporter.SafeName(name), AssetRequests.OptionalTags(body),
                    AssetRequests.OptionalString(body, "mime_type", 255), AssetRequests.OptionalGuid(body, "preview_id", out var clearPreview),
                    clearPreview, AssetRequests.OptionalObject(body, "user_metadata"));
                await assets.UpdateAsync(asset.Id, changes, time.GetUtcNow(), context.RequestAborted);
                var updated = await catalog.GetAsync(asset.Id, context.GetCaller(), context.RequestAborted);
                audit.Updated(Owner(context.GetCaller()), updated);
                return TypedResults.Json(AssetResponse.From(updated), GatewayJson.Options);
            })
            .WithName("UpdateAsset");

        var deleteAssetRoute = library.MapDelete("/api/assets/{id}", async (string id, HttpContext context, AssetCatalog catalog, AssetRemoval removal) =>
            {
                var asset = await catalog.GetAsync(ParseId(id), context.GetCaller(), context.RequestAborted);
                await removal.RemoveAsync(asset, Owner(context.GetCaller()), context.RequestAborted);
                return Results.NoContent();
            })
            .WithName("DeleteAsset");

        var contentRoute = library.MapMethods("/api/assets/{id}/content", [HttpMethods.Get, HttpMethods.Head], async (string id, HttpContext context,
                AssetCatalog catalog, AssetContent content) =>
            {
                var asset = await catalog.GetAsync(ParseId(id), context.GetCaller(), context.RequestAborted);
                await content.ServeAsync(context, asset, context.RequestAborted);
            })
            .WithName("GetAssetContent");

        var tagsRoute = library.MapGet("/api/tags", async (HttpContext context, AssetCatalog catalog) =>
            {
                var query = context.Request.Query;
                var byName = AssetRequests.Single(query, "order") switch
                {
                    null or "count_desc" => false,
                    "name_asc" => true,
                    _ => throw AssetRequests.BadQuery("order must be count_desc or name_asc."),
                };
                var limit = AssetRequests.Integer(query, "limit", 100, 1, 1000);
                var offset = AssetRequests.Integer(query, "offset", 0, 0, int.MaxValue);
                var prefix = AssetRequests.Single(query, "prefix");
                return TypedResults.Json(await catalog.TagsAsync(string.IsNullOrEmpty(prefix) ? null : prefix, byName, limit, offset, context.GetCaller(),
                    context.RequestAborted), GatewayJson.Options);
            })
            .WithName("ListTags");

        var getTaskRoute = library.MapGet("/api/tasks/{id}", async (string id, HttpContext context, TaskRepository tasks) =>
                TypedResults.Json(TaskResponse.From(await OwnTaskAsync(id, context.GetCaller(), tasks, context.RequestAborted)), GatewayJson.Options))
            .WithName("GetTask");

        var cancelTaskRoute = library.MapPost("/api/tasks/{id}/cancel", async (string id, HttpContext context, TaskRepository tasks, AssetAudit audit, TimeProvider time) =>
            {
                var task = await OwnTaskAsync(id, context.GetCaller(), tasks, context.RequestAborted);
                var cancelled = await tasks.CancelAsync(task.Id, time.GetUtcNow(), context.RequestAborted) ?? task;
                if (TaskStatuses.IsActive(task.Status))
                {
                    audit.TaskEnded(Owner(context.GetCaller()), task.Id, cancelled.Status, null);
                }
                return TypedResults.Json(TaskResponse.From(cancelled), GatewayJson.Options);
            })
            .WithName("CancelTask");
        return new AssetLibraryRoutes(listAssetsRoute, uploadRoute, importRoute, fromHashRoute, hashHeadRoute, getAssetRoute, updateAssetRoute, deleteAssetRoute, contentRoute, tagsRoute, getTaskRoute, cancelTaskRoute);
    }

    /// <summary>A database that cannot be reached is a 503 of the library's endpoints, never a 500 with its details.</summary>
    private static async ValueTask<object?> DatabaseUnavailable(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (System.Data.Common.DbException ex)
        {
            throw new GatewayException(StatusCodes.Status503ServiceUnavailable, ErrorCodes.ServiceUnavailable,
                "The asset library's database cannot be reached; try again shortly.", ex);
        }
    }

    /// <summary>A task is its key's: another key's task is as unknown as a missing one (404).</summary>
    private static async Task<TaskRecord> OwnTaskAsync(string id, Caller caller, TaskRepository tasks, CancellationToken cancellationToken)
    {
        var taskId = Guid.TryParseExact(id, "D", out var parsed) ? parsed : (Guid?)null;
        var task = taskId is { } known ? await tasks.FindAsync(known, cancellationToken) : null;
        return task is not null && task.Owner == Owner(caller)
            ? task
            : throw new GatewayException(StatusCodes.Status404NotFound, AssetErrorCodes.NotFound, $"Task {id} not found.");
    }

    private static async Task<BlobRecord?> VisibleBlobAsync(string sha256, Caller caller, AssetRepository assets, AssetVisibility visibility,
        ModelLibrary store, CancellationToken cancellationToken) =>
        await assets.FindBlobAsync(sha256, cancellationToken) is { } blob && visibility.IsVisible(blob, caller)
            && await store.ExistsAsync(sha256, cancellationToken)
            ? blob
            : null;

    private static Guid ParseId(string id) => Guid.TryParseExact(id, "D", out var parsed)
        ? parsed
        : throw new GatewayException(StatusCodes.Status404NotFound, AssetErrorCodes.NotFound, $"Asset {id} not found.");

    private static string Owner(Caller caller) => caller.Name;
}

/// <summary>The library's routes, for the host to describe in the OpenAPI document.</summary>
internal sealed record AssetLibraryRoutes(RouteHandlerBuilder ListAssets, RouteHandlerBuilder Upload, RouteHandlerBuilder Import, RouteHandlerBuilder FromHash, RouteHandlerBuilder HashHead, RouteHandlerBuilder GetAsset, RouteHandlerBuilder UpdateAsset, RouteHandlerBuilder DeleteAsset, RouteHandlerBuilder Content, RouteHandlerBuilder Tags, RouteHandlerBuilder GetTask, RouteHandlerBuilder CancelTask);
