using System.Data.Common;
using System.Text.Json;
using Dapper;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// The import tasks, shared by every replica through the database. A running task is leased to one replica, which
/// renews the lease while it works; a task whose lease ran out (its replica died) is claimed by another one with one
/// conditional update, so exactly one replica takes it over.
/// </summary>
internal sealed class TaskRepository(AssetDatabase database)
{
    private const string Columns = """
        id AS Id, idempotency_key AS IdempotencyKey, owner AS Owner, task_name AS TaskName, source_url AS SourceUrl, payload AS Payload, status AS Status,
        result AS Result, error_message AS ErrorMessage, create_time AS CreateTime, update_time AS UpdateTime, started_at AS StartedAt,
        completed_at AS CompletedAt, lease_owner AS LeaseOwner, lease_expires AS LeaseExpires, attempts AS Attempts,
        bytes_downloaded AS BytesDownloaded
        """;

    /// <summary>
    /// Records <paramref name="task"/> (leased to its replica), unless the same owner has an active task with the same
    /// idempotency key: then that one, and false.
    /// </summary>
    public async Task<(TaskRecord Task, bool Created)> AddOrFindActiveAsync(TaskRecord task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        await using var connection = await database.OpenAsync(cancellationToken);
        // ON CONFLICT DO NOTHING against the partial unique index: one active task per owner and key, across replicas.
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO tasks (id, idempotency_key, owner, task_name, source_url, payload, status, result, error_message, create_time, update_time,
                               started_at, completed_at, lease_owner, lease_expires, attempts, bytes_downloaded)
            VALUES (@Id, @IdempotencyKey, @Owner, @TaskName, @SourceUrl, @Payload, @Status, NULL, NULL, @CreateTime, @UpdateTime, NULL, NULL,
                    @LeaseOwner, @LeaseExpires, 1, 0)
            ON CONFLICT (owner, idempotency_key) WHERE status IN ('created', 'running') DO NOTHING
            """, new
        {
            Id = AssetRepository.IdText(task.Id),
            task.IdempotencyKey,
            task.Owner,
            task.TaskName,
            task.SourceUrl,
            Payload = task.Payload.ToJsonString(),
            task.Status,
            CreateTime = RecordJson.ToUnix(task.CreateTime),
            UpdateTime = RecordJson.ToUnix(task.UpdateTime),
            task.LeaseOwner,
            LeaseExpires = RecordJson.ToUnix(task.LeaseExpires),
        }, cancellationToken: cancellationToken));
        if (inserted == 1)
        {
            return (await FindAsync(connection, task.Id, cancellationToken) ?? task, true);
        }
        var active = await connection.QueryFirstOrDefaultAsync<TaskRow>(new CommandDefinition(
            $"SELECT {Columns} FROM tasks WHERE owner = @Owner AND idempotency_key = @IdempotencyKey AND status IN ('created', 'running')",
            new { task.Owner, task.IdempotencyKey }, cancellationToken: cancellationToken));
        // Finished between the insert and this read: record the new one after all.
        return active is not null ? (active.ToRecord(), false) : await AddOrFindActiveAsync(task, cancellationToken);
    }

    public async Task<TaskRecord?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, id, cancellationToken);
    }

    /// <summary>Marks a task this replica holds running (its first start, or a resumption).</summary>
    public async Task<bool> MarkRunningAsync(Guid id, string replica, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE tasks SET status = 'running', started_at = COALESCE(started_at, @now), update_time = @now
            WHERE id = @id AND lease_owner = @replica AND status IN ('created', 'running')
            """, new { id = AssetRepository.IdText(id), replica, now = RecordJson.ToUnix(now) }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>
    /// Renews this replica's lease on a running task and records its progress; false when the task is no longer this
    /// replica's to run (cancelled, or taken over after a lost lease).
    /// </summary>
    public async Task<bool> RenewAsync(Guid id, string replica, DateTimeOffset leaseExpires, long bytesDownloaded, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE tasks SET lease_expires = @leaseExpires, bytes_downloaded = @bytesDownloaded, update_time = @now
            WHERE id = @id AND lease_owner = @replica AND status IN ('created', 'running')
            """, new
        {
            id = AssetRepository.IdText(id),
            replica,
            leaseExpires = RecordJson.ToUnix(leaseExpires),
            bytesDownloaded,
            now = RecordJson.ToUnix(now),
        }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Ends a task this replica runs: completed or failed. False when it was no longer this replica's (cancelled meanwhile).</summary>
    public async Task<bool> FinishAsync(Guid id, string replica, string status, TaskResult result, string? errorMessage, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE tasks SET status = @status, result = @result, error_message = @errorMessage, completed_at = @now, update_time = @now,
                             bytes_downloaded = COALESCE(@bytes, bytes_downloaded), lease_owner = NULL
            WHERE id = @id AND lease_owner = @replica AND status IN ('created', 'running')
            """, new
        {
            id = AssetRepository.IdText(id),
            replica,
            status,
            result = JsonSerializer.Serialize(result, Primitives.GatewayJson.Options),
            errorMessage,
            bytes = result.BytesDownloaded,
            now = RecordJson.ToUnix(now),
        }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Cancels an active task; the task as it is now, or null when there is none with that id.</summary>
    public async Task<TaskRecord?> CancelAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE tasks SET status = 'cancelled', error_message = 'Cancelled.', completed_at = @now, update_time = @now, lease_owner = NULL
            WHERE id = @id AND status IN ('created', 'running')
            """, new { id = AssetRepository.IdText(id), now = RecordJson.ToUnix(now) }, cancellationToken: cancellationToken));
        return await FindAsync(connection, id, cancellationToken);
    }

    /// <summary>Gives up this replica's leases (a clean shutdown): another replica takes the tasks over at its next sweep.</summary>
    public async Task ReleaseAsync(IEnumerable<Guid> ids, string replica, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE tasks SET lease_expires = 0 WHERE {database.InList("id", "ids")} AND lease_owner = @replica AND status IN ('created', 'running')",
            new { ids = ids.Select(AssetRepository.IdText).ToArray(), replica }, cancellationToken: cancellationToken));
    }

    /// <summary>Active tasks whose lease ran out before <paramref name="now"/>: their replica died or let them go.</summary>
    public async Task<IReadOnlyList<Guid>> FindAbandonedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM tasks WHERE status IN ('created', 'running') AND lease_expires < @now ORDER BY create_time",
            new { now = RecordJson.ToUnix(now) }, cancellationToken: cancellationToken));
        return [.. ids.Select(Guid.Parse)];
    }

    /// <summary>
    /// Takes over an abandoned task for <paramref name="replica"/>: one conditional update, so of the replicas sweeping at
    /// once exactly one wins. The task as claimed (its attempts counted), or null when another replica was first.
    /// </summary>
    public async Task<TaskRecord?> ClaimAbandonedAsync(Guid id, string replica, DateTimeOffset leaseExpires, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var claimed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE tasks SET lease_owner = @replica, lease_expires = @leaseExpires, attempts = attempts + 1, update_time = @now
            WHERE id = @id AND status IN ('created', 'running') AND lease_expires < @now
            """, new
        {
            id = AssetRepository.IdText(id),
            replica,
            leaseExpires = RecordJson.ToUnix(leaseExpires),
            now = RecordJson.ToUnix(now),
        }, cancellationToken: cancellationToken));
        return claimed == 1 ? await FindAsync(connection, id, cancellationToken) : null;
    }

    private static async Task<TaskRecord?> FindAsync(DbConnection connection, Guid id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<TaskRow>(new CommandDefinition($"SELECT {Columns} FROM tasks WHERE id = @id",
            new { id = AssetRepository.IdText(id) }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    private sealed class TaskRow
    {
        public string Id { get; set; } = "";

        public string IdempotencyKey { get; set; } = "";

        public string Owner { get; set; } = "";

        public string TaskName { get; set; } = "";

        public string SourceUrl { get; set; } = "";

        public string Payload { get; set; } = "{}";

        public string Status { get; set; } = "";

        public string? Result { get; set; }

        public string? ErrorMessage { get; set; }

        public long CreateTime { get; set; }

        public long UpdateTime { get; set; }

        public long? StartedAt { get; set; }

        public long? CompletedAt { get; set; }

        public string? LeaseOwner { get; set; }

        public long LeaseExpires { get; set; }

        public long Attempts { get; set; }

        public long BytesDownloaded { get; set; }

        public TaskRecord ToRecord() => new()
        {
            Id = Guid.Parse(Id),
            IdempotencyKey = IdempotencyKey,
            Owner = Owner,
            TaskName = TaskName,
            SourceUrl = SourceUrl,
            Payload = RecordJson.DeserializeObject(Payload),
            Status = Status,
            Result = Result is null ? null : JsonSerializer.Deserialize<TaskResult>(Result, Primitives.GatewayJson.Options),
            ErrorMessage = ErrorMessage,
            CreateTime = RecordJson.FromUnix(CreateTime),
            UpdateTime = RecordJson.FromUnix(UpdateTime),
            StartedAt = StartedAt is { } started ? RecordJson.FromUnix(started) : null,
            CompletedAt = CompletedAt is { } completed ? RecordJson.FromUnix(completed) : null,
            LeaseOwner = LeaseOwner,
            LeaseExpires = RecordJson.FromUnix(LeaseExpires),
            Attempts = Attempts,
            BytesDownloaded = BytesDownloaded,
        };
    }
}
