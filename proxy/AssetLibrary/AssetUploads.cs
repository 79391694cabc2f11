using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ModelGateway.Library;
using ModelGateway.Policies;
using ModelGateway.Previews;
using ModelGateway.Primitives;
using ModelGateway.Sniffing;
using ModelGateway.Callers;
using ModelGateway.PickleScan;

namespace ModelGateway.AssetLibrary;

/// <summary>An upload's outcome: the asset, whether its content was new (201) or already there (200).</summary>
internal sealed record UploadResult(AssetRecord Asset, bool CreatedNew);

/// <summary>
/// <c>POST /api/assets</c>, Cloud's multipart upload (<c>file</c>, <c>tags</c>, <c>id</c>, <c>preview_id</c>, <c>name</c>,
/// <c>mime_type</c>, <c>user_metadata</c>), for previews and small files: at most <c>Library:MaxUploadBytes</c> (413
/// beyond, nothing kept), streamed to a file of its own while hashed. What the bytes are decides, not what the client
/// says: an image must be one a preview may be (magic bytes, size, dimensions — else 400 <c>INVALID_IMAGE</c>); anything
/// else is sniffed as a model file and the caller's policy applies to it (403 with the verdict's code).
/// </summary>
internal sealed class AssetUploads(
    ModelLibrary library,
    AssetRepository assets,
    AssetReferences references,
    AssetVisibility visibility,
    IOptions<AssetLibraryOptions> options,
    IOptionsMonitor<PreviewOptions> previews,
    IOptionsMonitor<ContentCheckOptions> contentCheck,
    IHostEnvironment environment,
    TimeProvider time)
{
    // A part's headers and the small fields: bounded apart from the file.
    private const int MaxFieldBytes = AssetRequests.MaxMetadataBytes;

    public async Task<UploadResult> UploadAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var limit = options.Value.MaxUploadBytes;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            throw new GatewayException(StatusCodes.Status415UnsupportedMediaType, AssetErrorCodes.UnsupportedMediaType,
                "POST /api/assets takes multipart/form-data with a file part; import a URL with POST /api/assets/download.");
        }
        if (request.ContentLength > limit + 1024 * 1024)
        {
            throw TooLarge(limit);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = limit + 1024 * 1024; // the file and the form's other fields
        }

        await using var file = ImportScratch.Create(options.Value.FullPath(environment.ContentRootPath));
        var form = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string? fileName = null;
        string? sha256 = null;
        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024, BodyLengthLimit = limit + 1 };
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
                if (disposition.IsFileDisposition() && name == "file")
                {
                    if (sha256 is not null)
                    {
                        throw AssetRequests.BadField("file", "must be given once.");
                    }
                    fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    sha256 = await CopyAsync(section.Body, file, limit, cancellationToken);
                    continue;
                }
                using var value = new StreamReader(section.Body);
                var text = await ReadBoundedAsync(value, name, cancellationToken);
                (form.TryGetValue(name, out var list) ? list : form[name] = []).Add(text);
            }
        }
        catch (InvalidDataException)
        {
            // The multipart reader's own bounds (a part or its headers too long) and malformed bodies.
            throw file.Length > limit ? TooLarge(limit) : AssetRequests.BadField("file", "is not a well-formed multipart body.");
        }
        if (sha256 is null)
        {
            throw AssetRequests.BadField("file", "is required.");
        }

        var caller = context.GetCaller();
        var owner = caller.Name;
        var tags = FormTags(form);
        var metadata = AssetRequests.ObjectFromString(Single(form, "user_metadata"), "user_metadata") ?? [];
        var previewId = Single(form, "preview_id") is { Length: > 0 } preview ? AssetRequests.ParseGuid(preview, "preview_id") : (Guid?)null;
        var id = Single(form, "id") is { Length: > 0 } given ? AssetRequests.ParseGuid(given, "id") : (Guid?)null;
        var displayName = AssetImporter.SafeName(Single(form, "name") ?? fileName ?? "upload");
        var mimeType = Single(form, "mime_type");
        if (id is { } requested && await assets.FindAsync(requested, cancellationToken) is { } existing)
        {
            return visibility.IsVisible(existing.Blob, caller) ? new UploadResult(existing, CreatedNew: false) : throw AssetCatalog.NotFound(requested);
        }

        var size = file.Length;
        var head = new byte[(int)Math.Min(size, ContentSniffer.HeadBytes)];
        file.Position = 0;
        await file.ReadExactlyAsync(head, cancellationToken);
        var blob = Describe(head, size, sha256, displayName, tags, owner);
        if (blob.Kind == BlobKinds.File && blob.Facts.Format == ModelFormat.PickleTensor)
        {
            blob = blob with { Facts = blob.Facts with { PickleReport = await ScanPicklesAsync(file, size, cancellationToken) } };
        }
        if (blob.Kind == BlobKinds.File && PolicyEvaluator.Evaluate(blob.Facts, visibility.PolicyOf(caller)) is { IsValid: false } verdict)
        {
            throw new GatewayException(StatusCodes.Status403Forbidden, verdict.Errors[0].Code, verdict.Errors[0].Message);
        }
        var known = await assets.FindBlobAsync(sha256, cancellationToken) is not null && await library.ExistsAsync(sha256, cancellationToken);
        if (!known)
        {
            file.Position = 0;
            if (!(await library.PutAsync(sha256, file, size, cancellationToken)).Stored)
            {
                throw new GatewayException(StatusCodes.Status503ServiceUnavailable, ErrorCodes.ServiceUnavailable,
                    "The library's store could not keep the file (no room, or it is not writable).");
            }
        }
        var recorded = await assets.AddBlobAsync(blob, cancellationToken);
        var asset = await references.AddAsync(recorded, new ReferenceRequest(displayName, tags, metadata, previewId, null, mimeType, id), owner,
            "upload", !known, cancellationToken);
        return new UploadResult(asset, !known);
    }

    /// <summary>What the bytes are: an image within the preview limits, or a file sniffed like a download's head.</summary>
    private BlobRecord Describe(byte[] head, long size, string sha256, string name, IReadOnlyList<string> tags, string owner)
    {
        if (PreviewImages.DetectSubtype(head) is { } subtype)
        {
            var limits = previews.CurrentValue.Limits;
            if (size > limits.MaxBytes || PreviewImages.ToDataUrl(head, limits) is null)
            {
                throw GatewayException.BadRequest(AssetErrorCodes.InvalidImage, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"The image is not one a preview may be: at most {limits.MaxBytes} bytes and {limits.MaxPixels} pixels, with dimensions its header tells."));
            }
            return new BlobRecord(sha256, size, $"image/{subtype}", BlobKinds.Image,
                new AssetFacts { ContentLength = size, Filename = name, ContentType = $"image/{subtype}", Sha256 = sha256, Source = "upload" },
                owner, time.GetUtcNow());
        }
        var claimed = ModelFormats.FromFileName(name);
        var facts = new AssetFacts
        {
            ContentLength = size,
            Filename = name,
            Name = Path.GetFileNameWithoutExtension(name),
            Sha256 = sha256,
            Format = claimed,
            ContentType = "application/octet-stream",
            Source = "upload",
            // The uploader says which ComfyUI folder it is for (["models", "<folder>"]), as the import wizard does.
            ModelFolder = tags.Count >= 2 && tags[0] == "models" ? tags[1] : null,
        };
        facts = ContentVerification.Apply(facts, ContentSniffer.Sniff(head, size, name));
        return new BlobRecord(sha256, size, "application/octet-stream", BlobKinds.File, facts, owner, time.GetUtcNow());
    }

    /// <summary>
    /// The pickle scan of an uploaded pickle, as a lookup's (the same scanner and <c>ContentCheck:MaxPickleBytes</c> cap):
    /// the whole file is at hand, so it is read once; a file over the cap is unscannable.
    /// </summary>
    private async Task<PickleScanReport> ScanPicklesAsync(FileStream file, long size, CancellationToken cancellationToken)
    {
        var maxBytes = contentCheck.CurrentValue.MaxPickleBytes;
        if (size > maxBytes)
        {
            return PickleFileScanner.Unreadable($"the file is over the {maxBytes}-byte cap of the pickle scan");
        }
        var bytes = new byte[size];
        file.Position = 0;
        await file.ReadExactlyAsync(bytes, cancellationToken);
        return PickleFileScanner.ScanBytes(bytes, PickleScanLimits.Default with { MaxPickleBytes = maxBytes });
    }

    /// <summary>Copies the file part, hashing it; more than <paramref name="limit"/> bytes is a 413.</summary>
    private static async Task<string> CopyAsync(Stream body, FileStream file, long limit, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (file.Length + read > limit)
            {
                throw TooLarge(limit);
            }
            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task<string> ReadBoundedAsync(StreamReader reader, string field, CancellationToken cancellationToken)
    {
        var buffer = new char[MaxFieldBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await reader.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }
        return total > MaxFieldBytes ? throw AssetRequests.BadField(field, $"must be at most {MaxFieldBytes} characters.") : new string(buffer, 0, total);
    }

    /// <summary>
    /// Tags as the frontend sends them (<c>tags</c> = a JSON array as text), or repeated <c>tags</c> / <c>tags[]</c> fields,
    /// or one comma-separated field.
    /// </summary>
    private static IReadOnlyList<string> FormTags(Dictionary<string, List<string>> form)
    {
        var values = (form.GetValueOrDefault("tags") ?? []).Concat(form.GetValueOrDefault("tags[]") ?? []).ToList();
        var tags = new List<string?>();
        foreach (var value in values)
        {
            if (value.TrimStart().StartsWith('['))
            {
                try
                {
                    if (JsonNode.Parse(value) is not JsonArray array)
                    {
                        throw AssetRequests.BadField("tags", "must be an array of strings.");
                    }
                    tags.AddRange(array.Select(t => t?.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null));
                }
                catch (JsonException)
                {
                    throw AssetRequests.BadField("tags", "must be an array of strings.");
                }
            }
            else
            {
                tags.AddRange(value.Split(','));
            }
        }
        return AssetRequests.Tags(tags, "tags");
    }

    private static string? Single(Dictionary<string, List<string>> form, string name) =>
        form.TryGetValue(name, out var values) ? values.Count == 1 ? values[0] : throw AssetRequests.BadField(name, "must be given once.") : null;

    private static GatewayException TooLarge(long limit) => new(StatusCodes.Status413PayloadTooLarge, AssetErrorCodes.UploadTooLarge,
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The upload is larger than {limit} bytes (Library:MaxUploadBytes)."));
}
