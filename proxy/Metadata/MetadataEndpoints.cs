using System.Text.Json;
using ModelGateway.Caching;
using ModelGateway.Callers;
using ModelGateway.Metadata;
using ModelGateway.Primitives;

namespace Microsoft.AspNetCore.Builder;

internal static class MetadataEndpoints
{
    /// <summary>
    /// <c>GET /api/assets/remote-metadata?url=…</c>, Comfy Cloud's contract, on the asset group (<paramref name="assets"/>,
    /// which holds the API key and the per-key rate limit).
    /// </summary>
    public static IEndpointConventionBuilder MapRemoteMetadata(this IEndpointRouteBuilder assets)
    {
        ArgumentNullException.ThrowIfNull(assets);
        return assets.MapGet("/remote-metadata", async Task (HttpContext context, MetadataService service) =>
            {
                var values = context.Request.Query["url"];
                if (values.Count > 1)
                {
                    throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "Give exactly one url parameter.");
                }
                MetadataAnswer answer;
                try
                {
                    answer = await service.GetAsync(values.Count == 1 ? values[0] : null, context.GetCaller(), context.RequestAborted);
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
