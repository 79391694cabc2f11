using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ModelGateway.Primitives;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// Runs the import tasks of this replica, and takes over those of replicas that died. A task is leased to the replica
/// running it for <c>Library:TaskLeaseSeconds</c>; every third of that the replica renews its leases (recording the
/// bytes downloaded so far) and sweeps the database for active tasks whose lease ran out. So a task whose replica died
/// is started again by another one at most <c>TaskLeaseSeconds</c> × 4/3 after the replica's last heartbeat (40 s with
/// the default 30 s), from the beginning (the content-addressed store makes a second fetch harmless); after
/// <c>Library:TaskMaxAttempts</c> starts it fails with <c>TASK_INTERRUPTED</c>. No task stays "running" forever. A
/// replica that stops cleanly gives its leases up at once. Cancelling (any replica) ends the download at the next
/// heartbeat of the replica running it.
/// </summary>
internal sealed partial class ImportTaskRunner(
    TaskRepository tasks,
    AssetDatabase database,
    AssetImporter importer,
    AssetReferences references,
    ApiKeyPrincipals principals,
    AssetAudit audit,
    IOptions<AssetLibraryOptions> options,
    TimeProvider time,
    ILogger<ImportTaskRunner> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, Running> _running = new();
    private readonly CancellationTokenSource _shutdown = new();
    private int _stopped;

    /// <summary>This replica's name in task leases: unique per process start.</summary>
    public string Replica { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>Tasks running here now.</summary>
    public int RunningCount => _running.Count;

    /// <summary>A new task for this replica, leased to it until now plus the lease.</summary>
    public TaskRecord NewTask(string owner, string idempotencyKey, string sourceUrl, JsonObject payload)
    {
        var now = time.GetUtcNow();
        return new TaskRecord
        {
            Id = Guid.NewGuid(),
            IdempotencyKey = idempotencyKey,
            Owner = owner,
            SourceUrl = sourceUrl,
            Payload = payload,
            Status = TaskStatuses.Created,
            CreateTime = now,
            UpdateTime = now,
            LeaseOwner = Replica,
            LeaseExpires = now + options.Value.TaskLease,
        };
    }

    /// <summary>Starts a task this replica holds the lease of, in the background.</summary>
    public void Start(TaskRecord task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var running = new Running(CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token));
        if (!_running.TryAdd(task.Id, running))
        {
            running.Cancellation.Dispose();
            return;
        }
        running.Work = Task.Run(() => RunAsync(task, running));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await database.MigrateAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException or TimeoutException)
        {
            Log.DatabaseUnavailable(logger, ex.GetType().Name, ex.Message);
        }
        using var timer = new PeriodicTimer(options.Value.TaskSweepInterval, time);
        do
        {
            try
            {
                await HeartbeatAsync(stoppingToken);
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException or TimeoutException)
            {
                Log.DatabaseUnavailable(logger, ex.GetType().Name, ex.Message); // tried again at the next tick
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return; // stopped already (a host that is disposed after it stopped may ask again)
        }
        await _shutdown.CancelAsync();
        var ids = _running.Keys.ToArray();
        await Task.WhenAll(_running.Values.Select(r => r.Work ?? Task.CompletedTask));
        if (ids.Length > 0)
        {
            try
            {
                await tasks.ReleaseAsync(ids, Replica, cancellationToken);
            }
            catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException or TimeoutException or OperationCanceledException)
            {
                Log.DatabaseUnavailable(logger, ex.GetType().Name, ex.Message); // the leases then run out by themselves
            }
        }
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            _shutdown.Cancel(); // disposed without being stopped: the downloads end, the leases run out by themselves
        }
        _shutdown.Dispose();
        base.Dispose();
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        foreach (var (id, running) in _running)
        {
            var now = time.GetUtcNow();
            if (!await tasks.RenewAsync(id, Replica, now + options.Value.TaskLease, Interlocked.Read(ref running.Bytes.Value), now, cancellationToken))
            {
                await running.Cancellation.CancelAsync(); // cancelled, or taken over after a lost lease
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var id in await tasks.FindAbandonedAsync(time.GetUtcNow(), cancellationToken))
        {
            var now = time.GetUtcNow();
            if (await tasks.ClaimAbandonedAsync(id, Replica, now + options.Value.TaskLease, now, cancellationToken) is not { } task)
            {
                continue; // another replica was first
            }
            if (task.Attempts > options.Value.TaskMaxAttempts)
            {
                var error = $"{AssetErrorCodes.TaskInterrupted}: the replicas running this import stopped {task.Attempts - 1} times.";
                await tasks.FinishAsync(id, Replica, TaskStatuses.Failed, new TaskResult { Success = false, Error = error }, error, now, cancellationToken);
                audit.TaskEnded(task.Owner, id, TaskStatuses.Failed, error);
                continue;
            }
            var taskId = AssetRepository.IdText(id);
            Log.Resumed(logger, taskId, task.Attempts);
            Start(task);
        }
    }

    private async Task RunAsync(TaskRecord task, Running running)
    {
        var token = running.Cancellation.Token;
        string status;
        TaskResult result;
        string? error = null;
        try
        {
            if (!await tasks.MarkRunningAsync(task.Id, Replica, time.GetUtcNow(), token))
            {
                return; // cancelled before it started
            }
            audit.TaskStarted(task.Owner, task, Replica);
            var caller = principals.For(task.Owner) ?? throw new GatewayException(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized,
                $"The API key \"{task.Owner}\" that asked for this import is no longer configured.");
            var imported = await importer.ImportAsync(new Uri(task.SourceUrl), caller, running.Bytes, token);
            var request = ReferenceOf(task, imported.Filename);
            var asset = await references.AddAsync(imported.Blob, request, task.Owner, "url", imported.Downloaded, token);
            status = TaskStatuses.Completed;
            result = new TaskResult
            {
                Success = true,
                BytesDownloaded = imported.Downloaded ? imported.Blob.Size : Interlocked.Read(ref running.Bytes.Value),
                ContentType = imported.ContentType,
                Hash = AssetHashes.Format(imported.Blob.Sha256),
                Filename = imported.Filename,
                AssetId = AssetRepository.IdText(asset.Id),
            };
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return; // cancelled (recorded by whoever cancelled), taken over, or this replica is stopping (its lease is given up)
        }
        catch (GatewayException ex)
        {
            status = TaskStatuses.Failed;
            error = $"{ex.Code}: {ex.Message}";
            result = new TaskResult { Success = false, BytesDownloaded = Interlocked.Read(ref running.Bytes.Value), Error = ex.Message };
        }
#pragma warning disable CA1031 // a task must end failed, never stay running, whatever went wrong; logged
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var taskId = AssetRepository.IdText(task.Id);
            Log.Crashed(logger, taskId, ex);
            status = TaskStatuses.Failed;
            error = $"{ErrorCodes.InternalError}: The import failed unexpectedly.";
            result = new TaskResult { Success = false, Error = "The import failed unexpectedly." };
        }
        finally
        {
            _running.TryRemove(task.Id, out _);
            running.Cancellation.Dispose();
        }
        try
        {
            if (await tasks.FinishAsync(task.Id, Replica, status, result, error, time.GetUtcNow(), CancellationToken.None))
            {
                audit.TaskEnded(task.Owner, task.Id, status, error);
            }
        }
        catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException or TimeoutException)
        {
            Log.DatabaseUnavailable(logger, ex.GetType().Name, ex.Message); // the lease runs out; another replica runs it again
        }
    }

    /// <summary>The reference the task asked for: <c>tags</c>, <c>user_metadata</c>, <c>preview_id</c> of its payload.</summary>
    private static ReferenceRequest ReferenceOf(TaskRecord task, string filename)
    {
        var payload = task.Payload;
        var tags = payload["tags"] is JsonArray array ? array.Select(t => t?.GetValue<string>()).OfType<string>().ToList() : [];
        var metadata = payload["user_metadata"] as JsonObject is { } given ? (JsonObject)given.DeepClone() : [];
        var preview = payload["preview_id"]?.GetValue<string>() is { } text && Guid.TryParse(text, out var id) ? id : (Guid?)null;
        return new ReferenceRequest(filename, tags, metadata, preview, payload["source_url"]?.GetValue<string>());
    }

    private sealed class Running(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;

        public StrongBox<long> Bytes { get; } = new();

        public Task? Work { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 45, EventName = "AssetDatabaseUnavailable", Level = LogLevel.Warning,
            Message = "The asset database could not be used ({Kind}: {Detail}); tried again shortly.")]
        public static partial void DatabaseUnavailable(ILogger logger, string kind, string detail);

        [LoggerMessage(EventId = 46, EventName = "ImportTaskResumed", Level = LogLevel.Information,
            Message = "Import task {TaskId} taken over from a replica that stopped renewing its lease (attempt {Attempt}).")]
        public static partial void Resumed(ILogger logger, string taskId, long attempt);

        [LoggerMessage(EventId = 47, EventName = "ImportTaskCrashed", Level = LogLevel.Error, Message = "Import task {TaskId} failed unexpectedly.")]
        public static partial void Crashed(ILogger logger, string taskId, Exception exception);
    }
}
