using ModelGateway.Decisions;
using ModelGateway.Primitives;

namespace ModelGateway.Hosting;

/// <summary>How <c>GET /api/admin/decisions</c> appears in the OpenAPI document (docs/api.md is the contract).</summary>
internal static class DecisionsEndpointDescription
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
}
