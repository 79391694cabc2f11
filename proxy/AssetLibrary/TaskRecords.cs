using System.Text.Json.Nodes;

namespace ModelGateway.AssetLibrary;

/// <summary>A task's status: the frontend's <c>zTaskStatus</c>, plus <c>cancelled</c> (its newer store knows it).</summary>
internal static class TaskStatuses
{
    public const string Created = "created";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsActive(string status) => status is Created or Running;
}

/// <summary>An import task as recorded: the frontend's task fields, and the lease of the replica running it.</summary>
internal sealed record TaskRecord
{
    public const string DownloadTaskName = "task:download_file";

    public required Guid Id { get; init; }

    public required string IdempotencyKey { get; init; }

    /// <summary>The API key's name that asked for it (the task runs under that key's current policy).</summary>
    public required string Owner { get; init; }

    public string TaskName { get; init; } = DownloadTaskName;

    /// <summary>The URL to fetch as the caller gave it (the payload shows it without credentials); never shown.</summary>
    public required string SourceUrl { get; init; }

    public required JsonObject Payload { get; init; }

    public required string Status { get; init; }

    public TaskResult? Result { get; init; }

    public string? ErrorMessage { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    public required DateTimeOffset UpdateTime { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public string? LeaseOwner { get; init; }

    public DateTimeOffset LeaseExpires { get; init; }

    public long Attempts { get; init; }

    public long BytesDownloaded { get; init; }
}

/// <summary>The frontend's <c>zDownloadFileResult</c>.</summary>
internal sealed record TaskResult
{
    public required bool Success { get; init; }

    public long? BytesDownloaded { get; init; }

    public string? ContentType { get; init; }

    /// <summary><c>sha256:&lt;hex&gt;</c>.</summary>
    public string? Hash { get; init; }

    public string? Filename { get; init; }

    public string? AssetId { get; init; }

    public string? Error { get; init; }
}
