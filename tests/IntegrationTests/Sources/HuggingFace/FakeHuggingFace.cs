using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Sources.HuggingFace;

/// <summary>
/// A fake Hugging Face Hub and a fake CDN, both real Kestrel servers on loopback: resolve HEADs
/// answer 302 + X-Linked-* with a Location on the CDN for LFS files, 200 + Content-Length for small git files,
/// relative 307s for a renamed repo and /api/resolve-cache, X-Error-Code errors, and the Hub API JSON.
/// </summary>
public sealed class FakeHuggingFace : IAsyncDisposable
{
    public const string GrantedToken = "hf_granted_0123456789";
    public const string LfsSha256 = "a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2";
    public const long LfsSize = 17_246_524_772;
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";

    /// <summary>The bytes the CDN serves for every object (a later content check reads the first ones).</summary>
    public static readonly byte[] CdnBytes = Enumerable.Range(0, 4096).Select(i => (byte)(i % 251)).ToArray();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RequestDelegate> _routes = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _cdnObjects = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RequestDelegate> _cdnHandlers = new(StringComparer.Ordinal);
    private TaskCompletionSource _headArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _apiArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeHuggingFace()
    {
    }

    public FakeHost Hub { get; private set; } = null!;

    public FakeHost Cdn { get; private set; } = null!;

    /// <summary><c>http://127.0.0.1:port</c>: the value for <c>Sources:HuggingFace:BaseUrl</c>.</summary>
    public string BaseUrl => Hub.BaseUri.GetLeftPart(UriPartial.Authority);

    public static async Task<FakeHuggingFace> StartAsync()
    {
        var fake = new FakeHuggingFace();
        fake.Cdn = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/xet-bridge-us/{**rest}", ["GET", "HEAD"], (HttpContext c, string rest) => fake.ServeCdnAsync(c, rest)));
        fake.Hub = await FakeHost.StartAsync((app, _) => app.Run(fake.DispatchAsync));
        fake.MapRoutes();
        return fake;
    }

    /// <summary>
    /// An LFS file with real bytes: its resolve path (e.g. <c>/owner/repo/resolve/main/x.safetensors</c>) answers 302 to
    /// the CDN with its true size and sha256 in <c>X-Linked-*</c> (and the Xet headers the Hub sends for Xet-backed
    /// files); the CDN serves the bytes with Range. Returns the file's sha256.
    /// </summary>
    public string ServeFile(string resolvePath, byte[] bytes)
    {
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        _cdnObjects[sha256] = bytes;
        _routes[resolvePath] = LinkedFile(sha256, bytes.Length);
        return sha256;
    }

    /// <summary>From now on the CDN serves <paramref name="bytes"/> for the object <paramref name="sha256"/> (after inspection).</summary>
    public void ReplaceCdnObject(string sha256, byte[] bytes) => _cdnObjects[sha256] = bytes;

    /// <summary>The CDN answers the object <paramref name="sha256"/> with <paramref name="handler"/> instead.</summary>
    public void HandleCdnObject(string sha256, RequestDelegate handler) => _cdnHandlers[sha256] = handler;

    /// <summary>Adds or replaces what the Hub answers for <paramref name="path"/>.</summary>
    public void Route(string path, RequestDelegate handler) => _routes[path] = handler;

    private Task ServeCdnAsync(HttpContext context, string rest)
    {
        var sha256 = rest.StartsWith("files/", StringComparison.Ordinal) ? rest["files/".Length..] : string.Empty;
        if (_cdnHandlers.TryGetValue(sha256, out var handler))
        {
            return handler(context);
        }
        return _cdnObjects.TryGetValue(sha256, out var stored)
            ? Results.Bytes(stored, "application/octet-stream", enableRangeProcessing: true,
                entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue("\"" + sha256 + "\"")).ExecuteAsync(context)
            : Results.Bytes(CdnBytes, "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context);
    }

    /// <summary>An LFS file on Xet storage, as the Hub answers its resolve URL: 302 to the CDN, file headers, Xet headers.</summary>
    private RequestDelegate LinkedFile(string sha256, long size) => async context =>
    {
        var response = context.Response;
        response.StatusCode = 302;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.Location = $"{Cdn.BaseUri.GetLeftPart(UriPartial.Authority)}/xet-bridge-us/files/{sha256}"
            + "?X-Xet-Signed-Range=bytes%3D0-&Expires=1781098782&Policy=abc&Signature=cdn-sig&Key-Pair-Id=K1";
        response.Headers.ETag = "W/\"5f0f7d3c1d9b5b5b0a6a8e0e2f0b1c2d3e4f5a6b\"";
        response.Headers["X-Linked-Etag"] = $"\"{sha256}\"";
        response.Headers["X-Linked-Size"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["X-Repo-Commit"] = Commit;
        response.Headers["X-Xet-Hash"] = new string('e', 64);
        response.Headers["X-Xet-Refresh-Route"] = "/api/models/owner/repo/xet-read-token/" + Commit;
        response.Headers.Link = $"<{BaseUrl}/api/models/owner/repo/xet-read-token/{Commit}>; rel=\"xet-auth\", "
            + "<https://cas-server.xethub.hf.co/v1/reconstructions/eee>; rel=\"xet-reconstruction-info\"";
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.WriteAsync("Found. Redirecting to the CDN");
        }
    };

    /// <summary>Makes the next "owner/concurrent" HEAD and Hub API request each wait for the other to arrive.</summary>
    public void ResetRendezvous()
    {
        _headArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _apiArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        await Cdn.DisposeAsync();
    }

    private Task DispatchAsync(HttpContext context)
    {
        // Kestrel decodes the path except %2F, so a revision like refs%2Fpr%2F1 stays one segment here.
        var path = context.Request.Path.Value ?? "/";
        if (_routes.TryGetValue(path, out var handler))
        {
            return handler(context);
        }
        context.Response.StatusCode = 404;
        context.Response.Headers["X-Error-Code"] = "RepoNotFound";
        return Task.CompletedTask;
    }

    private void MapRoutes()
    {
        var lfs = Linked("flux");
        _routes["/Comfy-Org/flux1-dev/resolve/main/split_files/diffusion_models/flux1-dev-fp8.safetensors"] = lfs;
        _routes["/api/models/Comfy-Org/flux1-dev"] = Api("Comfy-Org/flux1-dev", gated: false, ["diffusers", "text-to-image"]);
        _routes["/owner/repo/resolve/refs%2Fpr%2F1/model.safetensors"] = Linked("pr");
        _routes["/owner/repo/resolve/main/my model v2.safetensors"] = Linked("spaced");
        _routes["/datasets/owner/data/resolve/main/loras/style.safetensors"] = Linked("dataset");
        _routes["/api/datasets/owner/data"] = Api("owner/data", gated: false, ["region:us"]);
        _routes["/spaces/owner/demo/resolve/main/checkpoints/model.ckpt"] = Direct(2048, "application/octet-stream");
        _routes["/owner/small/resolve/main/embeddings/neg.safetensors"] = Direct(4096, "application/octet-stream");

        // /api/resolve-cache: what the Hub answers for small files nowadays (a relative 307, then 200).
        _routes["/owner/cached/resolve/main/vae/tiny.safetensors"] =
            Redirect(307, $"/api/resolve-cache/models/owner/cached/{Commit}/vae%2Ftiny.safetensors?%2Fowner%2Fcached%2Fresolve%2Fmain%2Fvae%2Ftiny.safetensors=&etag=%22d6ceb9%22");
        _routes["/api/resolve-cache/models/owner/cached/" + Commit + "/vae%2Ftiny.safetensors"] = Direct(1536, "application/octet-stream");

        // A renamed repository: the Hub redirects resolve and API paths relatively to the new name.
        _routes["/old-owner/old-name/resolve/main/loras/style.safetensors"] = Redirect(307, "/new-owner/new-name/resolve/main/loras/style.safetensors");
        _routes["/new-owner/new-name/resolve/main/loras/style.safetensors"] = Linked("renamed");
        _routes["/api/models/old-owner/old-name"] = Redirect(307, "/api/models/new-owner/new-name");
        _routes["/api/models/new-owner/new-name"] = Api("new-owner/new-name", gated: false, ["diffusers", "lora"]);

        _routes["/gated-org/gated/resolve/main/model.safetensors"] = context =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            return authorization == "Bearer " + GrantedToken ? Linked("gated")(context)
                : authorization.Length > 0 ? Error(403, "GatedRepo", "Access to model gated-org/gated is restricted and you are not in the authorized list.")(context)
                : Error(401, "GatedRepo", "Access to model gated-org/gated is restricted. You must have access to it and be authenticated to access it. Please log in.")(context);
        };
        _routes["/api/models/gated-org/gated"] = Api("gated-org/gated", gated: "manual", ["diffusers"]);

        _routes["/owner/missing/resolve/main/model.safetensors"] = Error(401, "RepoNotFound", "Repository not found");
        _routes["/api/models/owner/missing"] = Error(401, "RepoNotFound", "Repository not found");
        _routes["/owner/repo/resolve/main/nope.safetensors"] = Error(404, "EntryNotFound", "Entry not found");
        _routes["/owner/repo/resolve/v9/model.safetensors"] = Error(404, "RevisionNotFound", "Invalid rev id: v9");
        _routes["/owner/busy/resolve/main/model.safetensors"] = Error(429, null, "Too many requests");
        _routes["/owner/broken/resolve/main/model.safetensors"] = Error(503, null, "Service unavailable");
        _routes["/owner/forbidden/resolve/main/model.safetensors"] = Error(403, null, "Access to this resource is disabled.");

        // The Hub API failing must not fail a probe whose HEAD worked.
        _routes["/owner/noapi/resolve/main/loras/x.safetensors"] = Linked("noapi");
        _routes["/api/models/owner/noapi"] = Error(500, null, "Internal Error");
        _routes["/owner/badjson/resolve/main/model.safetensors"] = Linked("badjson");
        _routes["/api/models/owner/badjson"] = async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"id\": ");
        };

        // Repo tags name the folder when the path does not.
        _routes["/owner/lora-repo/resolve/main/pytorch_lora_weights.safetensors"] = Linked("lora");
        _routes["/api/models/owner/lora-repo"] = Api("owner/lora-repo", gated: false, ["diffusers", "lora", "template:sd-lora"]);

        // Each of these waits for the other: requests sent one after the other would time out here.
        _routes["/owner/concurrent/resolve/main/pytorch_lora_weights.safetensors"] = async context =>
        {
            _headArrived.TrySetResult();
            if (!await Arrived(_apiArrived))
            {
                context.Response.StatusCode = 500;
                return;
            }
            await Linked("concurrent")(context);
        };
        _routes["/api/models/owner/concurrent"] = async context =>
        {
            _apiArrived.TrySetResult();
            if (!await Arrived(_headArrived))
            {
                context.Response.StatusCode = 500;
                return;
            }
            await Api("owner/concurrent", gated: false, ["lora"])(context);
        };
    }

    private static async Task<bool> Arrived(TaskCompletionSource other)
    {
        var finished = await Task.WhenAny(other.Task, Task.Delay(TimeSpan.FromSeconds(3)));
        return finished == other.Task;
    }

    /// <summary>An LFS/xet file: 302 to the CDN with the file's true size and sha256 in X-Linked-*.</summary>
    private RequestDelegate Linked(string objectName) => async context =>
    {
        var response = context.Response;
        response.StatusCode = 302;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.Location = $"{Cdn.BaseUri.GetLeftPart(UriPartial.Authority)}/xet-bridge-us/{objectName}/{LfsSha256}"
            + "?X-Xet-Signed-Range=bytes%3D0-&response-content-disposition=inline&Expires=1781098782&Policy=abc&Signature=sig&Key-Pair-Id=K1";
        response.Headers.ETag = "W/\"5f0f7d3c1d9b5b5b0a6a8e0e2f0b1c2d3e4f5a6b\"";
        response.Headers["X-Linked-Etag"] = $"\"{LfsSha256}\"";
        response.Headers["X-Linked-Size"] = LfsSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["X-Repo-Commit"] = Commit;
        const string body = "Found. Redirecting to the CDN";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            response.ContentLength = 1179; // the redirect body's length, not the file's
            return;
        }
        await response.WriteAsync(body);
    };

    /// <summary>A small git-stored file: 200 with its own Content-Length and a git sha1 ETag (not a sha256).</summary>
    private static RequestDelegate Direct(long size, string contentType) => context =>
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = contentType;
        response.Headers.ETag = "\"5f0f7d3c1d9b5b5b0a6a8e0e2f0b1c2d3e4f5a6b\"";
        response.Headers["X-Repo-Commit"] = Commit;
        response.ContentLength = size; // HEAD only in these tests: no body is written
        return Task.CompletedTask;
    };

    private static RequestDelegate Redirect(int status, string location) => context =>
    {
        context.Response.StatusCode = status;
        context.Response.Headers.Location = location;
        return Task.CompletedTask;
    };

    private static RequestDelegate Error(int status, string? code, string message) => async context =>
    {
        context.Response.StatusCode = status;
        if (code is not null)
        {
            context.Response.Headers["X-Error-Code"] = code;
        }
        context.Response.Headers["X-Error-Message"] = message;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }));
        }
    };

    private static RequestDelegate Api(string id, object gated, string[] tags) => async context =>
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["_id"] = "65c0e0a24913fc50b7ba14d2",
            ["id"] = id,
            ["sha"] = Commit,
            ["gated"] = gated,
            ["private"] = false,
            ["tags"] = tags,
            ["pipeline_tag"] = "text-to-image",
            ["library_name"] = "diffusers",
        }));
    };
}
