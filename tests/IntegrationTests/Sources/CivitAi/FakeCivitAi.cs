using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Sources.CivitAi;

/// <summary>
/// A fake CivitAI speaking CivitAI's public API (model-versions, models, a download endpoint that
/// 307-redirects to presigned storage), a fake storage host and a fake image host, plus two gateways pointed at it:
/// one without and one with <c>Sources:CivitAI:Token</c>.
/// </summary>
public sealed class FakeCivitAi : IAsyncLifetime
{
    public const string ConfigToken = "config-token-0123";
    public const string Account = "xG1nkqKTMzGDvpLrqFT7WA";

    // A real 1×1 PNG.
    public static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    public static readonly byte[] StoredFile = Encoding.ASCII.GetBytes("\u0008\0\0\0\0\0\0\0{}      ");

    /// <summary>Model types and file types with the folder the gateway should tag them with (null: none).</summary>
    public static readonly (string ModelType, string FileType, string? Folder)[] TypeCases =
    [
        ("Checkpoint", "Model", "checkpoints"),
        ("Checkpoint", "UNet", "diffusion_models"),
        ("LORA", "Model", "loras"),
        ("LoCon", "Model", "loras"),
        ("DoRA", "Model", "loras"),
        ("TextualInversion", "Model", "embeddings"),
        ("Hypernetwork", "Model", "hypernetworks"),
        ("Controlnet", "Model", "controlnet"),
        ("Upscaler", "Model", "upscale_models"),
        ("VAE", "Model", "vae"),
        ("TextEncoder", "Model", "text_encoders"),
        ("CLIP", "Model", "text_encoders"),
        ("UNet", "Model", "diffusion_models"),
        ("CLIPVision", "Model", "clip_vision"),
        ("Poses", "Model", null),
        ("Wildcards", "Model", null),
        ("Workflows", "Model", null),
        ("MotionModule", "Model", null),
        ("Other", "Model", null),
    ];

    private readonly ConcurrentDictionary<long, (int Status, string Body)> _versions = new();
    private readonly ConcurrentDictionary<long, (int Status, string Body)> _models = new();
    private readonly ConcurrentDictionary<long, (int Status, string Body)> _downloadErrors = new();
    private readonly ConcurrentDictionary<string, (string ContentType, byte[] Body)> _images = new();
    private readonly ConcurrentDictionary<long, byte[]> _objects = new();
    private readonly ConcurrentDictionary<long, RequestDelegate> _objectHandlers = new();
    private GatewayFactory? _gateway;
    private GatewayFactory? _tokenGateway;

    public FakeHost Api { get; private set; } = null!;

    public FakeHost Storage { get; private set; } = null!;

    public FakeHost Images { get; private set; } = null!;

    /// <summary>The gateway without a configured token.</summary>
    public GatewayFactory Gateway => _gateway ??= new GatewayFactory(new Dictionary<string, string?>
    {
        ["Sources:CivitAI:BaseUrl"] = Api.BaseUri.AbsoluteUri.TrimEnd('/'),
        ["Policy:VerifyContent"] = "false", // these tests are about CivitAI's API; CivitAiContentTests read the bytes
    });

    /// <summary>The gateway with <see cref="ConfigToken"/> as <c>Sources:CivitAI:Token</c>.</summary>
    public GatewayFactory TokenGateway => _tokenGateway ??= new GatewayFactory(new Dictionary<string, string?>
    {
        ["Sources:CivitAI:BaseUrl"] = Api.BaseUri.AbsoluteUri.TrimEnd('/'),
        ["Sources:CivitAI:Token"] = ConfigToken,
        ["Policy:VerifyContent"] = "false",
    });

    public static long TypeVersion(string modelType, string fileType) =>
        2000 + Array.FindIndex(TypeCases, c => c.ModelType == modelType && c.FileType == fileType);

    public async Task InitializeAsync()
    {
        Storage = await FakeHost.StartAsync((app, _) =>
        {
            app.MapGet("/files/{name}", async (HttpContext c, string name) =>
            {
                c.Response.ContentType = "application/octet-stream";
                c.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
                await c.Response.Body.WriteAsync(StoredFile);
            });
            // A stored object as R2 serves it: its bytes, Range and conditional requests honoured, its own ETag.
            app.MapMethods("/objects/{id:long}", ["GET", "HEAD"], (HttpContext c, long id) =>
                _objectHandlers.TryGetValue(id, out var handler) ? handler(c)
                : _objects.TryGetValue(id, out var bytes) ? ObjectResult(bytes).ExecuteAsync(c)
                : Results.NotFound().ExecuteAsync(c));
        });
        Images = await FakeHost.StartAsync((app, _) => app.MapGet("/{account}/{uuid}/{transform}/{name}", async (HttpContext c, string uuid) =>
        {
            if (!_images.TryGetValue(uuid, out var image))
            {
                c.Response.StatusCode = 404;
                return;
            }
            c.Response.ContentType = image.ContentType;
            await c.Response.Body.WriteAsync(image.Body);
        }));
        Api = await FakeHost.StartAsync((app, _) =>
        {
            app.MapGet("/api/v1/model-versions/{id:long}", (long id) => Answer(_versions, id, $"{{\"error\":\"Model not found\"}}"));
            app.MapGet("/api/v1/models/{id:long}", (long id) => Answer(_models, id, $"{{\"error\":\"No model with id {id}\"}}"));
            app.MapGet("/api/download/models/{id:long}", (HttpContext c, long id) =>
            {
                if (_downloadErrors.TryGetValue(id, out var error))
                {
                    return Json(error.Status, error.Body);
                }
                if (_objects.ContainsKey(id) || _objectHandlers.ContainsKey(id))
                {
                    var signed = Storage.Url(string.Create(CultureInfo.InvariantCulture,
                        $"objects/{id}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=86400&X-Amz-Signature=5ec12e7")).AbsoluteUri;
                    return Results.Redirect(signed, permanent: false, preserveMethod: true);
                }
                var name = Uri.EscapeDataString($"model-{id}.safetensors");
                var location = Storage.Url($"files/{id}.bin?X-Amz-Expires=86400&X-Amz-Signature=abc123"
                    + $"&response-content-disposition=attachment%3B%20filename%3D%22{name}%22");
                c.Response.Headers.CacheControl = "no-store, max-age=0";
                return Results.Redirect(location.AbsoluteUri, permanent: false, preserveMethod: true);
            });
        });
        Seed();
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        if (_tokenGateway is not null)
        {
            await _tokenGateway.DisposeAsync();
        }
        await Api.DisposeAsync();
        await Storage.DisposeAsync();
        await Images.DisposeAsync();
    }

    /// <summary>
    /// A version <paramref name="versionId"/> of a LORA whose one (primary) file is <paramref name="bytes"/>, named
    /// <paramref name="fileName"/> and declared as <paramref name="format"/>, with its true size and SHA-256 published
    /// (or <paramref name="publishedSha256"/>), of the model <paramref name="modelName"/>; the download endpoint redirects to
    /// the object on the storage host.
    /// </summary>
    public void AddDownload(long versionId, string fileName, byte[] bytes, string format = "SafeTensor", string? publishedSha256 = null,
        string? modelName = null)
    {
        var sha256 = publishedSha256 ?? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes));
        AddVersion(versionId, modelName ?? $"Download {versionId}", "v1", "LORA",
            [File(versionId * 10, fileName, format, primary: true, sizeKB: bytes.Length / 1024.0, sha256: sha256)]);
        _objects[versionId] = bytes;
    }

    /// <summary>From now on the storage host serves <paramref name="bytes"/> for the version's object (after inspection).</summary>
    public void ReplaceObject(long versionId, byte[] bytes) => _objects[versionId] = bytes;

    /// <summary>The storage host answers the version's object with <paramref name="handler"/> instead.</summary>
    public void HandleObject(long versionId, RequestDelegate handler) => _objectHandlers[versionId] = handler;

    /// <summary>Serves <paramref name="bytes"/> with Range and conditional requests, as a storage host does.</summary>
    public static IResult ObjectResult(byte[] bytes) => Results.Bytes(bytes, "application/octet-stream", enableRangeProcessing: true,
        entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue(
            "\"" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..32] + "\""));

    public string ImageUrl(string uuid, int number) => Images.Url($"{Account}/{uuid}/original=true/{number}.jpeg").AbsoluteUri;

    private void Seed()
    {
        // Model 100, newest version first. Version 1001 has three files; the primary one is not files[0].
        _models[100] = (200, new JsonObject
        {
            ["id"] = 100,
            ["name"] = "Realistic Vision",
            ["type"] = "Checkpoint",
            ["modelVersions"] = new JsonArray(new JsonObject { ["id"] = 1001, ["name"] = "v6.0" }, new JsonObject { ["id"] = 1000, ["name"] = "v5.0" }),
        }.ToJsonString());
        _images["video-1"] = ("video/mp4", "\0\0\0 ftypisom"u8.ToArray());
        _images["r-rated"] = ("image/png", Png);
        _images["pg13"] = ("image/png", Png);
        AddVersion(1001, "Realistic Vision", "v6.0", "Checkpoint",
            [
                File(11, "realisticVision_v60Pruned.safetensors", "SafeTensor", sizeKB: 2082642.5, size: "pruned", fp: "fp16"),
                File(12, "realisticVision_v60.safetensors", "SafeTensor", primary: true, sizeKB: 6775430.35, size: "full", fp: "fp32",
                    sha256: "21437EC26670E230B067CA936F6657CAF5CA063F15AEC333EF249BEC7C0F0DC0"),
                File(13, "realisticVision_v60.ckpt", "PickleTensor", sizeKB: 4000000, size: "full", fp: "fp32"),
            ],
            [Image(ImageUrl("video-1", 1), 1, "video"), Image(ImageUrl("r-rated", 2), 4), Image(ImageUrl("pg13", 3), 2)]);
        AddVersion(1000, "Realistic Vision", "v5.0", "Checkpoint", [File(10, "realisticVision_v50.safetensors", "SafeTensor", primary: true)]);

        // No primary file: the first Model file is taken.
        AddVersion(1002, "No Primary", "v1", "Checkpoint",
            [File(21, "config.yaml", "Other", type: "Config"), File(22, "noPrimary.safetensors", "SafeTensor", size: "pruned", fp: "fp16")]);

        foreach (var (modelType, fileType, _) in TypeCases)
        {
            var id = TypeVersion(modelType, fileType);
            AddVersion(id, $"{modelType} model", "v1", modelType, [File(id * 10, $"{modelType}.safetensors", "SafeTensor", primary: true, type: fileType)]);
        }

        AddVersion(3001, "Old Embedding", "v1", "TextualInversion", [File(30011, "old.pt", "PickleTensor", primary: true)]);
        AddVersion(3002, "Pickle Danger", "v1", "LORA", [File(30021, "danger.safetensors", "SafeTensor", primary: true, pickle: "Danger")]);
        AddVersion(3003, "Virus Danger", "v1", "LORA", [File(30031, "virus.safetensors", "SafeTensor", primary: true, virus: "Danger")]);
        AddVersion(3004, "Fresh Upload", "v1", "LORA",
            [File(30041, "fresh.safetensors", "SafeTensor", primary: true, pickle: "Pending", virus: "Pending", sha256: null)]);
        AddVersion(3005, "Early Bird", "v2", "LORA", [File(30051, "early.safetensors", "SafeTensor", primary: true)],
            extra: v =>
            {
                v["availability"] = "EarlyAccess";
                v["earlyAccessEndsAt"] = "2099-01-01T00:00:00.000Z";
            });
        _downloadErrors[3005] = (403, "{\"error\":\"Early Access\",\"deadline\":\"2099-01-01T00:00:00.000Z\",\"message\":\"This asset is in Early Access. You can use Buzz access it now!\"}");
        AddVersion(3006, "Members Only", "v1", "LORA", [File(30061, "members.safetensors", "SafeTensor", primary: true)],
            extra: v => v["requireAuth"] = true);
        AddVersion(3007, "Archived", "v1", "LORA", [], extra: v => ((JsonObject)v["model"]!)["mode"] = "Archived");
        _versions[3008] = (429, "{\"error\":\"Too many requests\"}");
        _versions[3009] = (401, "{\"error\":\"Unauthorized\"}");
        _versions[3010] = (200, "{\"id\": 3010, \"files\": [");
        _versions[3011] = (200, "<!DOCTYPE html><html><body>Sign in</body></html>");
        AddVersion(3012, "Early Access Over", "v1", "LORA", [File(30121, "over.safetensors", "SafeTensor", primary: true)],
            extra: v => v["earlyAccessEndsAt"] = "2020-01-01T00:00:00.000Z");
        _models[3013] = (200, "{\"id\": 3013, \"name\": \"Empty\", \"modelVersions\": []}");

        // Previews: an "image" that is HTML; only explicit images; no images at all.
        _images["html"] = ("image/jpeg", "<!DOCTYPE html><html><body>Not found</body></html>"u8.ToArray());
        _images["later"] = ("image/png", Png);
        _images["x-rated"] = ("image/png", Png);
        AddVersion(4001, "Html Preview", "v1", "LORA", [File(40011, "html.safetensors", "SafeTensor", primary: true)],
            [Image(ImageUrl("html", 4), 1), Image(ImageUrl("later", 5), 1)]);
        AddVersion(4002, "Explicit Previews", "v1", "LORA", [File(40021, "explicit.safetensors", "SafeTensor", primary: true)],
            [Image(ImageUrl("x-rated", 6), 8), Image(ImageUrl("x-rated", 7), 16), Image(ImageUrl("x-rated", 8), 0),
                Image(ImageUrl("x-rated", 10), "Soft")]);
        AddVersion(4003, "No Previews", "v1", "LORA", [File(40031, "none.safetensors", "SafeTensor", primary: true)]);
        _images["token-check"] = ("image/png", Png);
        AddVersion(4004, "Token Check", "v1", "LORA", [File(40041, "token.safetensors", "SafeTensor", primary: true)],
            [Image(ImageUrl("token-check", 9), 1)]);
    }

    private void AddVersion(long id, string modelName, string versionName, string modelType, JsonObject[] files, JsonObject[]? images = null,
        Action<JsonObject>? extra = null)
    {
        var version = new JsonObject
        {
            ["id"] = id,
            ["modelId"] = id / 10,
            ["name"] = versionName,
            ["nsfwLevel"] = 1,
            ["status"] = "Published",
            ["availability"] = "Public",
            ["publishedAt"] = "2025-12-18T09:16:12.062Z",
            ["trainedWords"] = new JsonArray(),
            ["baseModel"] = "SDXL 1.0",
            ["earlyAccessEndsAt"] = null,
            ["earlyAccessConfig"] = null,
            ["description"] = "<p>A model.</p>",
            ["air"] = $"urn:air:sdxl:{modelType.ToLowerInvariant()}:civitai:{id / 10}@{id}",
            ["stats"] = new JsonObject { ["downloadCount"] = 1, ["thumbsUpCount"] = 1 },
            ["model"] = new JsonObject { ["name"] = modelName, ["type"] = modelType, ["nsfw"] = false, ["poi"] = false },
            ["files"] = new JsonArray(files.Cast<JsonNode>().ToArray()),
            ["images"] = new JsonArray((images ?? []).Cast<JsonNode>().ToArray()),
            ["downloadUrl"] = $"https://civitai.com/api/download/models/{id}",
        };
        extra?.Invoke(version);
        _versions[id] = (200, version.ToJsonString());
    }

    private static JsonObject File(long id, string name, string format, bool primary = false, string type = "Model", double sizeKB = 1024.5,
        string? size = null, string? fp = null, string pickle = "Success", string virus = "Success",
        string? sha256 = "A5F58EB1C33616A5F58EB1C33616A5F58EB1C33616A5F58EB1C33616A5F58EB1") => new()
    {
        ["id"] = id,
        ["sizeKB"] = sizeKB,
        ["name"] = name,
        ["type"] = type,
        ["pickleScanResult"] = pickle,
        ["pickleScanMessage"] = pickle == "Success" ? "No Pickle imports" : null,
        ["virusScanResult"] = virus,
        ["virusScanMessage"] = null,
        ["scannedAt"] = pickle == "Pending" ? null : "2024-11-11T11:50:59.770Z",
        ["metadata"] = new JsonObject { ["format"] = format, ["size"] = size, ["fp"] = fp },
        ["hashes"] = sha256 is null ? new JsonObject() : new JsonObject { ["AutoV2"] = sha256[..10], ["SHA256"] = sha256 },
        ["primary"] = primary,
        ["downloadUrl"] = string.Create(CultureInfo.InvariantCulture, $"https://civitai.com/api/download/models/{id / 10}"),
    };

    private static JsonObject Image(string url, JsonNode nsfwLevel, string type = "image") => new()
    {
        ["url"] = url,
        ["nsfwLevel"] = nsfwLevel,
        ["width"] = 768,
        ["height"] = 1280,
        ["hash"] = "UOF~jNwG5QT076ngkCS$LNRj$iWYpebvxZ$*",
        ["type"] = type,
        ["metadata"] = new JsonObject { ["size"] = 1539987, ["width"] = 768, ["height"] = 1280 },
    };

    private static IResult Answer(ConcurrentDictionary<long, (int Status, string Body)> table, long id, string notFound) =>
        table.TryGetValue(id, out var answer) ? Json(answer.Status, answer.Body) : Json(404, notFound);

    private static IResult Json(int status, string body) => Results.Content(body, "application/json", Encoding.UTF8, status);
}
