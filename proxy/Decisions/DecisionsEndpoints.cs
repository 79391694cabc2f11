using ModelGateway.Auth;
using ModelGateway.Decisions;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;
using ModelGateway.Telemetry;

namespace Microsoft.AspNetCore.Builder;

internal static class DecisionsEndpoints
{
    public const string DecisionsPath = "/api/admin/decisions";

    /// <summary>
    /// <c>GET /api/admin/decisions?key=&amp;outcome=&amp;limit=</c>: the recent audit events of every key, newest first, for
    /// keys with <c>Role: Admin</c> (others: 403 <c>ADMIN_REQUIRED</c>). Behind the API key and the per-key rate limit.
    /// </summary>
    public static IEndpointConventionBuilder MapAdminDecisions(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(DecisionsPath, async Task<IResult> (HttpContext context, RecentDecisions decisions) =>
            {
                if (!context.User.HasClaim(ApiKeyDefaults.RoleClaim, ApiKeyDefaults.AdminRole))
                {
                    return Error(StatusCodes.Status403Forbidden, DecisionErrorCodes.AdminRequired,
                        "Only a key with Role: Admin may read the decisions of every key.");
                }
                var query = context.Request.Query;
                if (query["key"].Count > 1 || query["outcome"].Count > 1 || query["limit"].Count > 1)
                {
                    return Error(StatusCodes.Status400BadRequest, DecisionErrorCodes.InvalidQuery, "key, outcome and limit may each be given once.");
                }
                if (DecisionQuery.Parse(query["key"], query["outcome"], query["limit"], out var problem) is not { } parsed)
                {
                    return Error(StatusCodes.Status400BadRequest, DecisionErrorCodes.InvalidQuery, problem!);
                }
                var page = await decisions.ReadAsync(parsed, context.RequestAborted);
                return TypedResults.Json(new DecisionsResponse(page.Events, page.Scope), GatewayJson.Options);
            })
            .RequireAuthorization(ApiKeyDefaults.PolicyName)
            .RequireRateLimiting(RateLimitingDefaults.PolicyName)
            .WithName("GetRecentDecisions");
    }

    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<ErrorResponse> Error(int status, string code, string message) =>
        TypedResults.Json(new ErrorResponse(code, message), GatewayJson.Options, statusCode: status);
}

/// <summary>
/// The 200 body of <c>GET /api/admin/decisions</c>: the events, newest first, and <c>scope</c> — <c>shared</c> (every
/// replica's, from Redis) or <c>replica</c> (only the answering replica's: no Redis, or Redis unreachable).
/// </summary>
internal sealed record DecisionsResponse(IReadOnlyList<AuditEvent> Events, string Scope);
