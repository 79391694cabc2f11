using ModelGateway.Downloads;
using ModelGateway.Primitives;

namespace Microsoft.AspNetCore.Builder;

internal static class DownloadEndpoints
{
    /// <summary>The endpoint's path (what the audit log names it by), under the asset group's <c>/api/assets</c>.</summary>
    public const string DownloadPath = "/api/assets/download";

    /// <summary>
    /// <c>GET|HEAD /api/assets/download?url=…</c> on the asset group (<paramref name="assets"/>, which holds the API
    /// key and the per-key rate limit): the file remote-metadata describes, under the caller's policy.
    /// </summary>
    public static IEndpointConventionBuilder MapAssetDownloads(this IEndpointRouteBuilder assets)
    {
        ArgumentNullException.ThrowIfNull(assets);
        return assets.MapMethods("/download", [HttpMethods.Get, HttpMethods.Head],
                (HttpContext context, FileDownloader downloader) =>
                {
                    var values = context.Request.Query["url"];
                    if (values.Count > 1)
                    {
                        throw GatewayException.BadRequest(ErrorCodes.InvalidUrlFormat, "Give exactly one url parameter.");
                    }
                    return downloader.ServeAsync(context, values.Count == 1 ? values[0] : null, DownloadPath);
                })
            .WithName("DownloadRemoteAsset");
    }
}
