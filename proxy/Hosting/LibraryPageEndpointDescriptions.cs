using ModelGateway.AssetLibrary;
using ModelGateway.Decisions;
using ModelGateway.LibraryPage;
using ModelGateway.Primitives;

namespace ModelGateway.Hosting;

/// <summary>
/// How the endpoints the <c>/library</c> page added — <c>GET /api/admin/decisions</c>, <c>GET /api/tasks/{id}/progress</c> —
/// appear in the OpenAPI document (docs/api.md is the contract).
/// </summary>
internal static class LibraryPageEndpointDescriptions
{
    public static IEndpointConventionBuilder DescribeDecisions(this IEndpointConventionBuilder builder) => builder
        .WithTags("admin")
        .WithSummary("The recent audit events of every key, newest first (keys with Role: Admin only).")
        .WithDescription("Who asked for what and what the gateway decided: remote-metadata verdicts, downloads (refused, completed, " +
            "aborted) and rate-limit refusals, with the key's name, profile, source, host, codes, cache status, bytes and duration — " +
            "never a key, a token, a path or a query string. Kept in a capped Redis stream shared by the replicas " +
            "(Decisions:MaxEvents), or in memory without Redis; scope says which answered.")
        .WithQueryParameter("key", "Only this key's events (its configured name, case-insensitive).", required: false)
        .WithQueryParameter("outcome", "Only events with this outcome: allowed, refused or failed.", required: false)
        .WithQueryParameter("limit", $"At most this many events, 1–{DecisionQuery.MaxLimit} (default {DecisionQuery.DefaultLimit}).",
            required: false)
        .Responds(StatusCodes.Status200OK, "The events, newest first, and the scope (shared or replica).", typeof(DecisionsResponse))
        .Responds(StatusCodes.Status400BadRequest, $"A query parameter out of range, repeated or unknown: {DecisionErrorCodes.InvalidQuery}.")
        .Responds(StatusCodes.Status401Unauthorized, $"No known API key: {ErrorCodes.Unauthorized}.")
        .Responds(StatusCodes.Status403Forbidden, $"The key has no Role: Admin: {DecisionErrorCodes.AdminRequired}.")
        .Responds(StatusCodes.Status429TooManyRequests, $"The key's rate limit; Retry-After says when: {ErrorCodes.RateLimited}.");

    public static IEndpointConventionBuilder DescribeImportProgress(this IEndpointConventionBuilder builder) => builder
        .WithTags("library")
        .WithSummary("An import task's status and the bytes downloaded so far (what GET /api/tasks/{id} does not carry).")
        .WithDescription("bytes_downloaded is the count the replica running the task recorded at its last lease renewal (every " +
            "third of Library:TaskLeaseSeconds), all of the file once the task completed. The task must be the caller's.")
        .Responds(StatusCodes.Status200OK, "The task's progress.", typeof(TaskProgressResponse))
        .Responds(StatusCodes.Status401Unauthorized, $"No known API key: {ErrorCodes.Unauthorized}.")
        .Responds(StatusCodes.Status404NotFound, $"No such task, or another key's: {AssetErrorCodes.NotFound}.")
        .Responds(StatusCodes.Status429TooManyRequests, $"The key's rate limit; Retry-After says when: {ErrorCodes.RateLimited}.")
        .Responds(StatusCodes.Status503ServiceUnavailable, $"The asset database cannot be reached: {ErrorCodes.ServiceUnavailable}.");
}
