using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ModelGateway.Library;
using ModelGateway.Primitives;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// <c>GET /api/assets/{id}/content</c>: an asset's bytes from the store — 200, or 206 for one <c>Range</c> (416 with
/// <c>Content-Range: bytes */size</c> when it starts past the end), <c>ETag: "&lt;sha256&gt;"</c> (content-addressed: it never
/// changes), 304 for a matching <c>If-None-Match</c>, <c>If-Range</c> honoured. The blob is pinned while it is served.
/// </summary>
internal sealed class AssetContent(ModelLibrary library, AssetRepository assets, TimeProvider time)
{
    public async Task ServeAsync(HttpContext context, AssetRecord asset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(asset);
        using var blob = await library.OpenAsync(asset.Blob.Sha256, cancellationToken)
            ?? throw new GatewayException(StatusCodes.Status404NotFound, AssetErrorCodes.ContentMissing,
                $"The content of asset {AssetRepository.IdText(asset.Id)} is not in the library's store any more.");
        await assets.TouchAsync(asset.Id, time.GetUtcNow(), cancellationToken);
        var request = context.Request;
        var response = context.Response;
        var etag = new EntityTagHeaderValue($"\"{asset.Blob.Sha256}\"");
        var size = blob.Length;
        response.Headers.ETag = etag.ToString();
        response.Headers.AcceptRanges = "bytes";
        response.Headers.CacheControl = "private, max-age=31536000, immutable";
        response.ContentType = asset.MimeType ?? asset.Blob.MimeType ?? "application/octet-stream";
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = asset.Name }.ToString();
        if (request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } noneMatch && noneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: false)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        long offset = 0;
        var length = size;
        if (Range(request, etag, size) is { } range)
        {
            if (range.From is not { } from)
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = $"bytes */{size.ToString(CultureInfo.InvariantCulture)}";
                response.ContentType = null;
                response.Headers.ContentDisposition = default;
                return;
            }
            offset = from;
            length = range.Length;
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + length - 1, size).ToString();
        }
        else
        {
            response.StatusCode = StatusCodes.Status200OK;
        }
        response.ContentLength = length;
        if (HttpMethods.IsHead(request.Method) || length == 0)
        {
            return;
        }
        await using var stream = await blob.OpenReadAsync(offset, length, cancellationToken)
            ?? throw new GatewayException(StatusCodes.Status404NotFound, AssetErrorCodes.ContentMissing,
                $"The content of asset {AssetRepository.IdText(asset.Id)} is not in the library's store any more.");
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await stream.CopyToAsync(response.Body, 256 * 1024, cancellationToken);
    }

    /// <summary>
    /// The one range a request asks for, when it asks for one the answer can honour: null for none, several, a stale
    /// <c>If-Range</c> or a malformed header (the whole file then); <c>From</c> null when it starts past the end.
    /// </summary>
    private static (long? From, long Length)? Range(HttpRequest request, EntityTagHeaderValue etag, long size)
    {
        var headers = request.GetTypedHeaders();
        if (headers.Range is not { Ranges.Count: 1 } range || !string.Equals(range.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        if (headers.IfRange is { } ifRange && (ifRange.EntityTag is not { } tag || !tag.Compare(etag, useStrongComparison: true)))
        {
            return null;
        }
        var item = range.Ranges.Single();
        if (item.From is { } from)
        {
            if (from >= size)
            {
                return (null, 0);
            }
            var to = Math.Min(item.To ?? size - 1, size - 1);
            return to < from ? null : (from, to - from + 1);
        }
        if (item.To is { } suffix && suffix > 0)
        {
            var take = Math.Min(suffix, size);
            return size == 0 ? (null, 0) : (size - take, take);
        }
        return null;
    }
}
