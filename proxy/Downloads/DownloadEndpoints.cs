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
                (HttpContext context, FileDownloader downloader) =>
                {
                    var values = context.Request.Query["url"];
                    if (values.Count > 1)
                    {
                        throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "Give exactly one url parameter.");
                    }
                    return downloader.ServeAsync(context, values.Count == 1 ? values[0] : null, DownloadPath);
                })
            .RequireAuthorization(ApiKeyDefaults.PolicyName)
            .RequireRateLimiting(ModelGateway.RateLimiting.RateLimitingDefaults.PolicyName)
            .WithName("DownloadRemoteAsset");
    }
}
