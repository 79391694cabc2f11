using System.Data.Common;
using Dapper;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// The records' schema as numbered migrations, the same SQL for SQLite and PostgreSQL (times are Unix milliseconds,
/// ids and JSON are text). Each runs once, in a transaction, recorded in <c>asset_schema</c>; replicas starting together
/// take a lock first (an advisory lock on PostgreSQL, SQLite's write lock), so one migrates and the others find it done.
/// A new migration is appended, never edited.
/// </summary>
internal static class AssetSchema
{
    // pg_advisory_xact_lock key: any constant of our own ("asset" in ASCII).
    private const long PostgresLockKey = 0x6173736574;

    internal static readonly string[] Migrations =
    [
        // 1: blobs (one per content), assets (references to them), their tags, import tasks.
        """
        CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            size BIGINT NOT NULL,
            mime_type TEXT NULL,
            kind TEXT NOT NULL,
            facts TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at BIGINT NOT NULL
        );
        CREATE TABLE assets (
            id TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            name TEXT NOT NULL,
            mime_type TEXT NULL,
            user_metadata TEXT NOT NULL,
            preview_id TEXT NULL,
            source_url TEXT NULL,
            created_by TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            last_access_time BIGINT NOT NULL
        );
        CREATE INDEX ix_assets_sha256 ON assets (sha256);
        CREATE TABLE asset_tags (
            asset_id TEXT NOT NULL,
            tag TEXT NOT NULL,
            PRIMARY KEY (asset_id, tag)
        );
        CREATE INDEX ix_asset_tags_tag ON asset_tags (tag);
        CREATE TABLE tasks (
            id TEXT PRIMARY KEY,
            idempotency_key TEXT NOT NULL,
            owner TEXT NOT NULL,
            task_name TEXT NOT NULL,
            source_url TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL,
            result TEXT NULL,
            error_message TEXT NULL,
            create_time BIGINT NOT NULL,
            update_time BIGINT NOT NULL,
            started_at BIGINT NULL,
            completed_at BIGINT NULL,
            lease_owner TEXT NULL,
            lease_expires BIGINT NOT NULL,
            attempts BIGINT NOT NULL,
            bytes_downloaded BIGINT NOT NULL
        );
        CREATE UNIQUE INDEX ux_tasks_active ON tasks (owner, idempotency_key) WHERE status IN ('created', 'running');
        CREATE INDEX ix_tasks_lease ON tasks (status, lease_expires);
        """,
    ];

    public static async Task MigrateAsync(DbConnection connection, AssetDatabaseKind kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (kind == AssetDatabaseKind.Sqlite)
        {
            // BEGIN IMMEDIATE: the write lock before reading the version, so two processes never both migrate.
            await connection.ExecuteAsync(new CommandDefinition("BEGIN IMMEDIATE;", cancellationToken: cancellationToken));
            try
            {
                await ApplyAsync(connection, transaction: null, cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition("COMMIT;", cancellationToken: cancellationToken));
            }
            catch
            {
                await connection.ExecuteAsync("ROLLBACK;");
                throw;
            }
            return;
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key);", new { key = PostgresLockKey },
            transaction, cancellationToken: cancellationToken));
        await ApplyAsync(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ApplyAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "CREATE TABLE IF NOT EXISTS asset_schema (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL);",
            transaction: transaction, cancellationToken: cancellationToken));
        var current = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(version) FROM asset_schema;",
            transaction: transaction, cancellationToken: cancellationToken)) ?? 0;
        for (var version = current + 1; version <= Migrations.Length; version++)
        {
            await connection.ExecuteAsync(new CommandDefinition(Migrations[version - 1], transaction: transaction,
                cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition("INSERT INTO asset_schema (version, applied_at) VALUES (@version, @now);",
                new { version, now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken));
        }
    }

    /// <summary>The schema version a database is at (tests, diagnostics).</summary>
    public static Task<long?> VersionAsync(DbConnection connection) =>
        connection.ExecuteScalarAsync<long?>("SELECT MAX(version) FROM asset_schema;");
}
