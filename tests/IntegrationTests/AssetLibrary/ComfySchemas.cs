using System.Text.Json;
using Json.Schema;

namespace ModelGateway.IntegrationTests.AssetLibrary;

/// <summary>
/// JSON Schemas (2020-12) written from the ComfyUI frontend's zod schemas (<c>assetSchema.ts</c> zAsset/zAssetResponse,
/// <c>taskService.ts</c> zTaskResponse/zDownloadFileResult, <c>assetMetadataSchema.ts</c>) tightened by Comfy Cloud's OpenAPI
/// (<c>Asset</c>'s required fields, <c>AssetCreated.created_new</c>, <c>ListAssetsResponse</c>, <c>AssetDownloadResponse</c>,
/// <c>ErrorResponse</c>) — what the frontend parses every answer with. zod's <c>.datetime()</c> wants UTC with <c>Z</c>.
/// </summary>
internal static class ComfySchemas
{
    private const string DateTime = """{ "type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$" }""";
    private const string Uuid = """{ "type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" }""";

    private static readonly string AssetProperties = $$"""
        "id": {{Uuid}},
        "name": { "type": "string", "minLength": 1 },
        "asset_hash": { "type": ["string", "null"], "pattern": "^sha256:[a-f0-9]{64}$" },
        "size": { "type": "integer", "minimum": 0 },
        "mime_type": { "type": ["string", "null"] },
        "tags": { "type": "array", "items": { "type": "string" } },
        "preview_id": { "type": ["string", "null"] },
        "preview_url": { "type": "string" },
        "created_at": {{DateTime}},
        "updated_at": {{DateTime}},
        "last_access_time": {{DateTime}},
        "user_metadata": { "type": "object" }
        """;

    public static readonly JsonSchema Asset = Build($$"""
        { "type": "object", "required": ["id", "name", "size", "created_at", "updated_at"], "properties": { {{AssetProperties}} } }
        """);

    public static readonly JsonSchema AssetCreated = Build($$"""
        { "type": "object", "required": ["id", "name", "size", "created_at", "updated_at", "created_new"],
          "properties": { {{AssetProperties}}, "created_new": { "type": "boolean" } } }
        """);

    public static readonly JsonSchema ListAssets = Build($$"""
        { "type": "object", "required": ["assets", "total", "has_more"],
          "properties": {
            "assets": { "type": "array", "items": { "type": "object", "required": ["id", "name", "size", "created_at", "updated_at"],
                        "properties": { {{AssetProperties}} } } },
            "total": { "type": "integer", "minimum": 0 },
            "has_more": { "type": "boolean" } } }
        """);

    public static readonly JsonSchema AssetDownload = Build($$"""
        { "type": "object", "required": ["task_id", "status"],
          "properties": { "task_id": {{Uuid}}, "status": { "enum": ["created", "running", "completed", "failed"] }, "message": { "type": "string" } } }
        """);

    public static readonly JsonSchema Task = Build($$"""
        { "type": "object", "required": ["id", "idempotency_key", "task_name", "payload", "status", "create_time", "update_time"],
          "properties": {
            "id": {{Uuid}},
            "idempotency_key": { "type": "string" },
            "task_name": { "type": "string" },
            "payload": { "type": "object" },
            "status": { "enum": ["created", "running", "completed", "failed", "cancelled"] },
            "result": { "type": "object", "required": ["success"], "properties": {
                "success": { "type": "boolean" }, "file_path": { "type": "string" }, "bytes_downloaded": { "type": "number" },
                "content_type": { "type": "string" }, "hash": { "type": "string" }, "filename": { "type": "string" },
                "asset_id": { "type": "string" }, "metadata": { "type": "object" }, "error": { "type": "string" } } },
            "error_message": { "type": "string" },
            "create_time": {{DateTime}},
            "update_time": {{DateTime}},
            "started_at": {{DateTime}},
            "completed_at": {{DateTime}} } }
        """);

    public static readonly JsonSchema AssetMetadata = Build("""
        { "type": "object", "required": ["content_length", "final_url"],
          "properties": {
            "content_length": { "type": "number" }, "final_url": { "type": "string" }, "content_type": { "type": "string" },
            "filename": { "type": "string" }, "name": { "type": "string" }, "tags": { "type": "array", "items": { "type": "string" } },
            "preview_image": { "type": "string", "pattern": "^data:image/" },
            "validation": { "type": "object", "required": ["is_valid", "errors", "warnings"], "properties": {
                "is_valid": { "type": "boolean" }, "errors": { "type": "array" }, "warnings": { "type": "array" } } } } }
        """);

    public static readonly JsonSchema Error = Build("""
        { "type": "object", "required": ["code", "message"], "additionalProperties": false,
          "properties": { "code": { "type": "string", "pattern": "^[A-Z_]+$" }, "message": { "type": "string", "minLength": 1 } } }
        """);

    /// <summary>Asserts <paramref name="json"/> is valid against <paramref name="schema"/>, naming every failure.</summary>
    public static JsonElement AssertValid(JsonSchema schema, string json)
    {
        var element = JsonDocument.Parse(json).RootElement.Clone();
        var result = schema.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, "Not valid against the schema: " + json + Environment.NewLine + string.Join(Environment.NewLine,
            (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key} {e.Value}"))));
        return element;
    }

    private static JsonSchema Build(string text) => JsonSchema.FromText(text);
}
