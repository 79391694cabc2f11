using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using ModelGateway.Primitives;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// Reading the library endpoints' input: JSON bodies (bounded; not JSON or not an object → 400 <c>INVALID_JSON</c>),
/// their fields (missing, of the wrong type or out of range → 400 <c>INVALID_FIELD</c> naming the field), and the
/// listing's query (→ 400 <c>INVALID_QUERY</c>). Bounds: tags are 1–128 characters, at most 64 per asset; a name at most
/// 512; <c>user_metadata</c> at most 64 KiB of JSON.
/// </summary>
internal static class AssetRequests
{
    public const int MaxJsonBodyBytes = 1024 * 1024;
    public const int MaxTagLength = 128;
    public const int MaxTags = 64;
    public const int MaxNameLength = 512;
    public const int MaxMetadataBytes = 64 * 1024;
    public const int MaxListLimit = 500;
    public const int DefaultListLimit = 20;

    public static async Task<JsonObject> ReadJsonObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > MaxJsonBodyBytes)
        {
            throw BadJson($"The body is larger than {MaxJsonBodyBytes} bytes.");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxJsonBodyBytes)
            {
                throw BadJson($"The body is larger than {MaxJsonBodyBytes} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }
        try
        {
            return JsonNode.Parse(buffer.ToArray(), documentOptions: new JsonDocumentOptions { MaxDepth = 32 }) as JsonObject
                ?? throw BadJson("The body must be a JSON object.");
        }
        catch (JsonException)
        {
            throw BadJson("The body is not valid JSON.");
        }
    }

    public static string RequiredString(JsonObject body, string field, int maxLength = 8192) =>
        OptionalString(body, field, maxLength) ?? throw BadField(field, "is required.");

    public static string? OptionalString(JsonObject body, string field, int maxLength = 8192)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!body.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.String)
        {
            throw BadField(field, "must be a string.");
        }
        var value = node.GetValue<string>();
        return value.Length is 0 || value.Length > maxLength
            ? throw BadField(field, string.Create(CultureInfo.InvariantCulture, $"must be 1 to {maxLength} characters."))
            : value;
    }

    /// <summary>A list of tags: an array of strings, each trimmed, 1–128 characters, at most 64, duplicates dropped.</summary>
    public static IReadOnlyList<string>? OptionalTags(JsonObject body, string field = "tags")
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!body.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }
        if (node is not JsonArray array)
        {
            throw BadField(field, "must be an array of strings.");
        }
        return Tags(array.Select(item => item?.GetValueKind() == JsonValueKind.String ? item.GetValue<string>() : null), field);
    }

    /// <summary>Tags from form values or a query; each must be a non-empty string of at most 128 characters.</summary>
    public static IReadOnlyList<string> Tags(IEnumerable<string?> values, string field)
    {
        var tags = new List<string>();
        foreach (var value in values)
        {
            var tag = value?.Trim();
            if (string.IsNullOrEmpty(tag) || tag.Length > MaxTagLength)
            {
                throw BadField(field, string.Create(CultureInfo.InvariantCulture, $"must hold strings of 1 to {MaxTagLength} characters."));
            }
            if (!tags.Contains(tag, StringComparer.Ordinal))
            {
                tags.Add(tag);
            }
        }
        return tags.Count > MaxTags ? throw BadField(field, $"may hold at most {MaxTags} tags.") : tags;
    }

    public static JsonObject? OptionalObject(JsonObject body, string field)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!body.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }
        if (node is not JsonObject value)
        {
            throw BadField(field, "must be a JSON object.");
        }
        var copy = (JsonObject)value.DeepClone();
        return copy.ToJsonString().Length > MaxMetadataBytes ? throw BadField(field, $"must be at most {MaxMetadataBytes} bytes of JSON.") : copy;
    }

    /// <summary>A JSON object given as a string (multipart's <c>user_metadata</c>).</summary>
    public static JsonObject? ObjectFromString(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        try
        {
            return OptionalObject(new JsonObject { [field] = JsonNode.Parse(value) }, field);
        }
        catch (JsonException)
        {
            throw BadField(field, "must be a JSON object.");
        }
    }

    /// <summary>A uuid (<c>preview_id</c>); <paramref name="isNull"/> when the field is an explicit null.</summary>
    public static Guid? OptionalGuid(JsonObject body, string field, out bool isNull)
    {
        ArgumentNullException.ThrowIfNull(body);
        isNull = body.TryGetPropertyValue(field, out var node) && node is null;
        return OptionalString(body, field, 64) is { } text ? ParseGuid(text, field) : null;
    }

    public static Guid ParseGuid(string text, string field) =>
        Guid.TryParseExact(text, "D", out var id) ? id : throw BadField(field, "must be a uuid.");

    /// <summary>Cloud's listing query: <c>include_tags</c>, <c>exclude_tags</c>, <c>name_contains</c>, <c>limit</c>, <c>offset</c>, <c>sort</c>, <c>order</c>.</summary>
    public static AssetListing Listing(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Integer(query, "limit", DefaultListLimit, 1, MaxListLimit);
        var offset = Integer(query, "offset", 0, 0, int.MaxValue);
        var sort = Single(query, "sort") switch
        {
            null or "created_at" => AssetSort.CreatedAt,
            "updated_at" => AssetSort.UpdatedAt,
            "name" => AssetSort.Name,
            "size" => AssetSort.Size,
            "last_access_time" => AssetSort.LastAccessTime,
            _ => throw BadQuery("sort must be one of name, created_at, updated_at, size, last_access_time."),
        };
        var descending = Single(query, "order") switch
        {
            null or "desc" => true,
            "asc" => false,
            _ => throw BadQuery("order must be asc or desc."),
        };
        var nameContains = Single(query, "name_contains");
        return new AssetListing(new AssetQuery(QueryTags(query, "include_tags"), QueryTags(query, "exclude_tags"),
            string.IsNullOrEmpty(nameContains) ? null : nameContains, sort, descending), limit, offset);
    }

    /// <summary>Tags as Cloud sends them in a query: comma-separated (<c>explode: false</c>), or the parameter repeated.</summary>
    public static IReadOnlyList<string> QueryTags(IQueryCollection query, string name)
    {
        ArgumentNullException.ThrowIfNull(query);
        var values = query[name].SelectMany(v => (v ?? string.Empty).Split(',')).Where(v => v.Length > 0).ToList();
        try
        {
            return Tags(values, name);
        }
        catch (GatewayException ex)
        {
            throw BadQuery(ex.Message);
        }
    }

    public static int Integer(IQueryCollection query, string name, int fallback, int min, int max)
    {
        ArgumentNullException.ThrowIfNull(query);
        var text = Single(query, name);
        if (text is null)
        {
            return fallback;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw BadQuery(string.Create(CultureInfo.InvariantCulture, $"{name} must be an integer from {min} to {max}."));
    }

    public static string? Single(IQueryCollection query, string name)
    {
        ArgumentNullException.ThrowIfNull(query);
        StringValues values = query[name];
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw BadQuery($"Give {name} at most once."),
        };
    }

    public static GatewayException BadJson(string message) => GatewayException.BadRequest(AssetErrorCodes.InvalidJson, message);

    public static GatewayException BadField(string field, string problem) => GatewayException.BadRequest(AssetErrorCodes.InvalidField, $"{field} {problem}");

    public static GatewayException BadQuery(string message) => GatewayException.BadRequest(AssetErrorCodes.InvalidQuery, message);
}
