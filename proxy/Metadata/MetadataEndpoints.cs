using System.Text.Json;
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
        return endpoints.MapGet(RemoteMetadataPath, async Task (HttpContext context, MetadataService service) =>
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
                WriteJson(context.Response, answer.Response);
            })
            .RequireAuthorization(ApiKeyDefaults.PolicyName)
            .RequireRateLimiting(ModelGateway.RateLimiting.RateLimitingDefaults.PolicyName)
            .WithName("GetRemoteAssetMetadata");
    }

    /// <summary>
    /// The answer serialized straight into the response's pipe, in one synchronous pass and without a flush of its own:
    /// the server sends it with the end of the response, in one write. A few hundred bytes (a preview at most some
    /// hundred KB) do not need the streaming serializer's asynchronous machinery.
    /// </summary>
    private static void WriteJson(HttpResponse response, AssetMetadataResponse body)
    {
        response.ContentType = "application/json; charset=utf-8";
        using var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = GatewayJson.Options.Encoder, SkipValidation = true });
        JsonSerializer.Serialize(writer, body, GatewayJson.Options);
    }
}
