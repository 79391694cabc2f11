using ModelGateway.Telemetry;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// Who did what to the organisation's library, in the audit log (category <c>ModelGateway.Audit</c>): imports (by URL,
/// upload or hash), task ends, updates and deletions, each with the key's name — never a key, a token or a query string.
/// </summary>
internal sealed partial class AssetAudit(ILoggerFactory loggers)
{
    private readonly ILogger _audit = loggers.CreateLogger(GatewayTelemetry.AuditCategory);

    public void Imported(string key, AssetRecord asset, string how, bool createdNew)
    {
        if (_audit.IsEnabled(LogLevel.Information))
        {
            var id = AssetRepository.IdText(asset.Id);
            var host = asset.SourceHost();
            Log.Imported(_audit, key, id, asset.Blob.Sha256, asset.Blob.Size, how, createdNew, host);
        }
    }

    public void TaskStarted(string key, TaskRecord task, string replica)
    {
        if (_audit.IsEnabled(LogLevel.Information))
        {
            var id = AssetRepository.IdText(task.Id);
            Log.TaskStarted(_audit, key, id, task.Attempts, replica);
        }
    }

    public void TaskEnded(string key, Guid task, string status, string? error)
    {
        if (_audit.IsEnabled(LogLevel.Information))
        {
            var id = AssetRepository.IdText(task);
            Log.TaskEnded(_audit, key, id, status, error ?? "-");
        }
    }

    public void Updated(string key, AssetRecord asset)
    {
        if (_audit.IsEnabled(LogLevel.Information))
        {
            var id = AssetRepository.IdText(asset.Id);
            Log.Updated(_audit, key, id, asset.Blob.Sha256);
        }
    }

    public void Deleted(string key, Guid asset, string sha256, bool blobRemoved)
    {
        if (_audit.IsEnabled(LogLevel.Information))
        {
            var id = AssetRepository.IdText(asset);
            Log.Deleted(_audit, key, id, sha256, blobRemoved);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 40, EventName = "AssetImported", Level = LogLevel.Information,
            Message = "Asset imported: key {KeyName}, asset {AssetId}, sha256 {Sha256}, {Bytes} bytes, by {How}, new content {CreatedNew}, host {Host}")]
        public static partial void Imported(ILogger logger, string keyName, string assetId, string sha256, long bytes, string how, bool createdNew, string host);

        [LoggerMessage(EventId = 41, EventName = "ImportTaskStarted", Level = LogLevel.Information,
            Message = "Import task started: key {KeyName}, task {TaskId}, attempt {Attempt}, replica {Replica}")]
        public static partial void TaskStarted(ILogger logger, string keyName, string taskId, long attempt, string replica);

        [LoggerMessage(EventId = 42, EventName = "ImportTaskEnded", Level = LogLevel.Information,
            Message = "Import task ended: key {KeyName}, task {TaskId}, status {Status}, error {Error}")]
        public static partial void TaskEnded(ILogger logger, string keyName, string taskId, string status, string error);

        [LoggerMessage(EventId = 43, EventName = "AssetUpdated", Level = LogLevel.Information,
            Message = "Asset updated: key {KeyName}, asset {AssetId}, sha256 {Sha256}")]
        public static partial void Updated(ILogger logger, string keyName, string assetId, string sha256);

        [LoggerMessage(EventId = 44, EventName = "AssetDeleted", Level = LogLevel.Information,
            Message = "Asset deleted: key {KeyName}, asset {AssetId}, sha256 {Sha256}, content removed {BlobRemoved}")]
        public static partial void Deleted(ILogger logger, string keyName, string assetId, string sha256, bool blobRemoved);
    }
}

internal static class AssetRecordHosts
{
    /// <summary>The host an asset was imported from (its recorded URL has no credentials), or <c>-</c>.</summary>
    public static string SourceHost(this AssetRecord asset) =>
        Uri.TryCreate(asset.SourceUrl, UriKind.Absolute, out var url) ? url.IdnHost : "-";
}
