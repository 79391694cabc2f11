using System.Data.Common;
using ModelGateway.AssetLibrary;
using ModelGateway.Auth;
using ModelGateway.Callers;
using ModelGateway.LibraryPage;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;

namespace Microsoft.AspNetCore.Builder;

internal static class ImportProgressEndpoints
{
    public const string ProgressPath = "/api/tasks/{id}/progress";

    /// <summary>
    /// <c>GET /api/tasks/{id}/progress</c>: the import task's status and the bytes its replica has downloaded so far (as
    /// of its last lease renewal, every third of <c>Library:TaskLeaseSeconds</c>) — what Comfy Cloud sends over its
    /// websocket and <c>GET /api/tasks/{id}</c> does not carry. The task must be the caller's (else 404, as a missing one).
    /// </summary>
    public static IEndpointConventionBuilder MapImportProgress(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(ProgressPath, async (string id, HttpContext context, TaskRepository tasks) =>
            {
                TaskRecord? task;
                try
                {
                    task = Guid.TryParseExact(id, "D", out var taskId) ? await tasks.FindAsync(taskId, context.RequestAborted) : null;
                }
                catch (DbException ex)
                {
                    throw new GatewayException(StatusCodes.Status503ServiceUnavailable, ErrorCodes.ServiceUnavailable,
                        "The asset library's database cannot be reached; try again shortly.", ex);
                }
                // A task is its key's: another key's task is as unknown as a missing one.
                if (task is null || task.Owner != context.GetCaller().Name)
                {
                    throw new GatewayException(StatusCodes.Status404NotFound, AssetErrorCodes.NotFound, $"Task {id} not found.");
                }
                return TypedResults.Json(TaskProgressResponse.From(task), GatewayJson.Options);
            })
            .RequireAuthorization(ApiKeyDefaults.PolicyName)
            .RequireRateLimiting(RateLimitingDefaults.PolicyName)
            .WithName("GetTaskProgress");
    }
}
