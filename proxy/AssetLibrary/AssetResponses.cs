using System.Globalization;
using System.Text.Json.Nodes;

namespace ModelGateway.AssetLibrary;

/// <summary>Comfy Cloud's <c>Asset</c> (snake_case; absent values omitted). Times are ISO-8601 UTC with <c>Z</c>.</summary>
internal record AssetResponse
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    /// <summary><c>sha256:&lt;64 hex digits&gt;</c>.</summary>
    public required string AssetHash { get; init; }

    public required long Size { get; init; }

    public string? MimeType { get; init; }

    public required IReadOnlyList<string> Tags { get; init; }

    public required JsonObject UserMetadata { get; init; }

    public string? PreviewId { get; init; }

    /// <summary>Where the preview's bytes are: <c>/api/assets/{preview_id}/content</c>.</summary>
    public string? PreviewUrl { get; init; }

    public required string CreatedAt { get; init; }

    public required string UpdatedAt { get; init; }

    public required string LastAccessTime { get; init; }

    public static AssetResponse From(AssetRecord asset) => Fill(new AssetResponse
    {
        Id = "", Name = "", AssetHash = "", Size = 0, Tags = [], UserMetadata = [], CreatedAt = "", UpdatedAt = "", LastAccessTime = "",
    }, asset);

    protected static T Fill<T>(T response, AssetRecord asset)
        where T : AssetResponse
    {
        ArgumentNullException.ThrowIfNull(asset);
        return response with
        {
            Id = AssetRepository.IdText(asset.Id),
            Name = asset.Name,
            AssetHash = AssetHashes.Format(asset.Blob.Sha256),
            Size = asset.Blob.Size,
            MimeType = asset.MimeType ?? asset.Blob.MimeType,
            Tags = asset.Tags,
            UserMetadata = (JsonObject)asset.UserMetadata.DeepClone(),
            PreviewId = asset.PreviewId is { } preview ? AssetRepository.IdText(preview) : null,
            PreviewUrl = asset.PreviewId is { } id ? $"/api/assets/{AssetRepository.IdText(id)}/content" : null,
            CreatedAt = Times.Iso(asset.CreatedAt),
            UpdatedAt = Times.Iso(asset.UpdatedAt),
            LastAccessTime = Times.Iso(asset.LastAccessTime),
        };
    }
}

/// <summary>Cloud's <c>AssetCreated</c>: the asset, and whether its content is new to the library.</summary>
internal sealed record AssetCreatedResponse : AssetResponse
{
    public required bool CreatedNew { get; init; }

    public static AssetCreatedResponse From(AssetRecord asset, bool createdNew) => Fill(new AssetCreatedResponse
    {
        Id = "", Name = "", AssetHash = "", Size = 0, Tags = [], UserMetadata = [], CreatedAt = "", UpdatedAt = "", LastAccessTime = "",
        CreatedNew = createdNew,
    }, asset);
}

/// <summary>Cloud's <c>ListAssetsResponse</c>.</summary>
internal sealed record ListAssetsResponse(IReadOnlyList<AssetResponse> Assets, int Total, bool HasMore);

/// <summary>Cloud's <c>ListTagsResponse</c>.</summary>
internal sealed record ListTagsResponse(IReadOnlyList<TagCount> Tags, int Total, bool HasMore);

internal sealed record TagCount(string Name, int Count);

/// <summary>Cloud's <c>AssetDownloadResponse</c>: the task that imports the file.</summary>
internal sealed record AssetDownloadResponse(string TaskId, string Status, string Message);

/// <summary>The frontend's <c>zTaskResponse</c>.</summary>
internal sealed record TaskResponse
{
    public required string Id { get; init; }

    public required string IdempotencyKey { get; init; }

    public required string TaskName { get; init; }

    public required JsonObject Payload { get; init; }

    /// <summary><c>created</c>, <c>running</c>, <c>completed</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public required string Status { get; init; }

    public TaskResult? Result { get; init; }

    /// <summary>Why it failed: the gateway's error code first (<c>CODE: message</c>).</summary>
    public string? ErrorMessage { get; init; }

    public required string CreateTime { get; init; }

    public required string UpdateTime { get; init; }

    public string? StartedAt { get; init; }

    public string? CompletedAt { get; init; }

    public static TaskResponse From(TaskRecord task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new TaskResponse
        {
            Id = AssetRepository.IdText(task.Id),
            IdempotencyKey = task.IdempotencyKey,
            TaskName = task.TaskName,
            Payload = (JsonObject)task.Payload.DeepClone(),
            Status = task.Status,
            Result = task.Result,
            ErrorMessage = task.ErrorMessage,
            CreateTime = Times.Iso(task.CreateTime),
            UpdateTime = Times.Iso(task.UpdateTime),
            StartedAt = task.StartedAt is { } started ? Times.Iso(started) : null,
            CompletedAt = task.CompletedAt is { } completed ? Times.Iso(completed) : null,
        };
    }
}

/// <summary><c>sha256:&lt;hex&gt;</c>, Cloud's hash notation.</summary>
internal static class AssetHashes
{
    public const string Prefix = "sha256:";

    public static string Format(string sha256) => Prefix + sha256;

    /// <summary>The lowercase hex of <c>sha256:&lt;64 hex digits&gt;</c>, or null when <paramref name="value"/> is not one.</summary>
    public static string? Parse(string? value)
    {
        if (value is null || !value.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var hex = value[Prefix.Length..];
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit) ? hex.ToLowerInvariant() : null;
    }
}

internal static class Times
{
    /// <summary>ISO-8601 in UTC with <c>Z</c> and milliseconds (what <c>z.string().datetime()</c> accepts).</summary>
    public static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
