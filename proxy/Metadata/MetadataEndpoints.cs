using ModelGateway.Auth;
using ModelGateway.Caching;
using ModelGateway.Metadata;
using ModelGateway.Primitives;

namespace Microsoft.AspNetCore.Builder;

internal static class MetadataEndpoints
{
    public const string RemoteMetadataPath = "/api/assets/remote-metadata";

    /// <summary><c>GET /api/assets/remote-metadata?url=…</c>, Comfy Cloud's contract, behind the API key.</summary>
    public static IEndpointConventionBuilder MapRemoteMetadata(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(RemoteMetadataPath, async (HttpContext context, MetadataService service) =>
            {
                var values = context.Request.Query["url"];
                if (values.Count > 1)
                {
                    throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "Give exactly one url parameter.");
                }
                MetadataAnswer answer;
                try
                {
                    answer = await service.GetAsync(values.Count == 1 ? values[0] : null, context.User, context.RequestAborted);
                }
                catch (GatewayException ex) when (CacheStatusHeader.Of(ex) is { } cacheStatus)
                {
                    // A cached "not found" is a HIT too. The exception handler clears headers; this runs after it.
                    context.Response.OnStarting(() =>
                    {
                        context.Response.Headers[CacheStatusHeader.Name] = cacheStatus;
                        return Task.CompletedTask;
                    });
                    throw;
                }
                context.Response.Headers[CacheStatusHeader.Name] = CacheStatusHeader.Value(answer.CacheStatus);
                return TypedResults.Json(answer.Response, GatewayJson.Options);
            })
            .RequireAuthorization(ApiKeyDefaults.PolicyName)
            .RequireRateLimiting(ModelGateway.RateLimiting.RateLimitingDefaults.PolicyName)
            .WithName("GetRemoteAssetMetadata");
    }
}
