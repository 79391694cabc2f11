using Microsoft.Net.Http.Headers;
using ModelGateway.LibraryPage;

namespace Microsoft.AspNetCore.Builder;

internal static class LibraryPageEndpoints
{
    public const string PagePath = "/library";

    /// <summary>
    /// Only this origin's own files; no inline script or style, no plugins, no framing, no form posts elsewhere. Images
    /// may be <c>data:</c> (remote-metadata's previews) and <c>blob:</c> (previews fetched with the key header).
    /// </summary>
    public const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
        "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>
    /// <c>GET /library</c> (the page) and <c>GET /library/{file}</c> (its script and style): open without a key — the page
    /// holds no data; it signs in with a key kept in the tab's session storage and calls the API with it in a header.
    /// </summary>
    public static IEndpointConventionBuilder MapLibraryPage(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(PagePath).AllowAnonymous().ExcludeFromDescription();
        group.MapGet("", (HttpContext context, LibraryPageFiles files) => Serve(context, files.Find("index.html")));
        group.MapGet("/{file}", (HttpContext context, LibraryPageFiles files, string file) => Serve(context, files.Find(file)));
        return group;
    }

    private static IResult Serve(HttpContext context, PageFile? file)
    {
        var headers = context.Response.Headers;
        headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers[HeaderNames.XFrameOptions] = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        if (file is null)
        {
            return Results.NotFound();
        }
        // Revalidated on every load, so a new gateway version's page is never mixed with an old script.
        headers[HeaderNames.CacheControl] = "no-cache";
        if (context.Request.Headers.IfNoneMatch.ToString() == file.ETag)
        {
            headers[HeaderNames.ETag] = file.ETag;
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        headers[HeaderNames.ETag] = file.ETag;
        return Results.Bytes(file.Content, file.ContentType);
    }
}
