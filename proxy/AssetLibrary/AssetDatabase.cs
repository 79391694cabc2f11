using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ModelGateway.AssetLibrary;

/// <summary>Which database holds the records: one SQL dialect for both, with the few differences named here.</summary>
internal enum AssetDatabaseKind
{
    /// <summary>An embedded file, <c>assets.db</c> in <c>Library:Path</c>: one replica.</summary>
    Sqlite,

    /// <summary><c>ConnectionStrings:Assets</c>: several replicas share the records and the tasks.</summary>
    PostgreSql,
}

/// <summary>
/// The asset and task records' database: SQLite by default, PostgreSQL when <c>ConnectionStrings:Assets</c> is set, both
/// through Dapper with the same SQL. The schema is created or migrated (<see cref="AssetSchema"/>) before the first
/// connection is handed out; a database that cannot be reached is a 503 <c>SERVICE_UNAVAILABLE</c> of the library's
/// endpoints (the rest of the gateway goes on), and the migration is tried again on the next request.
/// </summary>
internal sealed class AssetDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqlite;
    private readonly SemaphoreSlim _migrating = new(1, 1);
    private volatile bool _migrated;

    public AssetDatabase(IConfiguration configuration, IOptions<AssetLibraryOptions> options, IHostEnvironment environment)
        : this(configuration?.GetConnectionString(AssetLibraryOptions.ConnectionStringName),
            options?.Value.FullPath(environment?.ContentRootPath ?? throw new ArgumentNullException(nameof(environment)))
                ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    /// <summary>PostgreSQL at <paramref name="postgresConnectionString"/> when set, else SQLite in <paramref name="libraryDirectory"/>.</summary>
    public AssetDatabase(string? postgresConnectionString, string libraryDirectory)
    {
        if (!string.IsNullOrWhiteSpace(postgresConnectionString))
        {
            Kind = AssetDatabaseKind.PostgreSql;
            _postgres = NpgsqlDataSource.Create(postgresConnectionString);
            return;
        }
        ArgumentException.ThrowIfNullOrWhiteSpace(libraryDirectory);
        Kind = AssetDatabaseKind.Sqlite;
        SqliteDirectory = libraryDirectory;
        _sqlite = new SqliteConnectionStringBuilder
        {
            DataSource = System.IO.Path.Combine(libraryDirectory, "assets.db"),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30, // also how long a write waits for the file's lock
        }.ToString();
    }

    public AssetDatabaseKind Kind { get; }

    /// <summary>Where the SQLite file lives (null on PostgreSQL).</summary>
    public string? SqliteDirectory { get; }

    /// <summary>
    /// <c>column</c> is one of the array parameter's values: Dapper hands Npgsql an array as one parameter
    /// (<c>= ANY(@p)</c>) and expands it for SQLite (<c>IN (@p1, @p2, …)</c>). The parameter must be an array.
    /// </summary>
    public string InList(string column, string parameter) =>
        Kind == AssetDatabaseKind.PostgreSql ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    /// <summary>An open connection on a migrated schema.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_migrated)
        {
            await MigrateAsync(cancellationToken);
        }
        return await OpenRawAsync(cancellationToken);
    }

    /// <summary>Creates or upgrades the schema once per process (every replica may; the migration takes a lock).</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _migrating.WaitAsync(cancellationToken);
        try
        {
            if (_migrated)
            {
                return;
            }
            await using var connection = await OpenRawAsync(cancellationToken);
            await AssetSchema.MigrateAsync(connection, Kind, cancellationToken);
            _migrated = true;
        }
        finally
        {
            _migrating.Release();
        }
    }

    private async Task<DbConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }
        Directory.CreateDirectory(SqliteDirectory!);
        var connection = new SqliteConnection(_sqlite);
        await connection.OpenAsync(cancellationToken);
        // WAL: readers never wait for the writer; NORMAL sync is durable across a process kill in WAL mode.
        await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        _migrating.Dispose();
    }
}
