using ModelGateway.Auth;
using ModelGateway.Downloads;
using ModelGateway.Metadata;
using ModelGateway.Primitives;

namespace Microsoft.AspNetCore.Builder;

internal static class DownloadEndpoints
{
    public const string DownloadPath = "/api/assets/download";

    /// <summary>
    /// <c>GET|HEAD /api/assets/download?url=…</c>: the file remote-metadata describes, under the caller's policy, behind
    /// the API key and the per-key rate limit.
    /// </summary>
    public static IEndpointConventionBuilder MapAssetDownloads(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapMethods(DownloadPath, [HttpMethods.Get, HttpMethods.Head],
                (HttpContext context, MetadataService pipeline, FileDownloader downloader) =>
                {
                    var values = context.Request.Query["url"];
                    if (values.Count > 1)
                    {
                        throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "Give exactly one url parameter.");
                    }
                    return downloader.ServeAsync(context, pipeline.ParseUrl(values.Count == 1 ? values[0] : null), source: null);
                })
            .RequireAuthorization(ApiKeyDefaults.PolicyName)
            .RequireRateLimiting(ModelGateway.RateLimiting.RateLimitingDefaults.PolicyName)
            .WithName("DownloadRemoteAsset");
    }
}
