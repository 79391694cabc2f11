using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Testcontainers.PostgreSql;

namespace ModelGateway.IntegrationTests.Infrastructure;

/// <summary>
/// A real PostgreSQL for the tests, found as README.md ("Tests") says: <c>POSTGRES_TEST_CONNECTION</c> → Testcontainers
/// when a Docker engine answers → Debian's server binaries (<c>/usr/lib/postgresql/&lt;version&gt;/bin</c>:
/// <c>initdb</c>, <c>postgres</c>, <c>pg_ctl</c>), run as the <c>postgres</c> user when the tests run as root (initdb
/// refuses root), on a free loopback port, in a temporary directory, stopped and removed by the fixture. None → the
/// tests fail. Each test takes its own database (<see cref="CreateDatabaseAsync"/>).
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private const string ServiceUser = "postgres";

    private PostgreSqlContainer? _container;
    private Process? _server;
    private string? _directory;
    private string? _binaries;

    /// <summary>A connection string to the server's maintenance database, as a superuser.</summary>
    public string AdminConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("POSTGRES_TEST_CONNECTION");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            AdminConnectionString = fromEnvironment;
            return;
        }
        if (await TryStartContainerAsync())
        {
            return;
        }
        _binaries = FindBinaries();
        if (_binaries is null)
        {
            throw new InvalidOperationException(
                "No PostgreSQL for the tests. Set POSTGRES_TEST_CONNECTION to an Npgsql connection string of a superuser, run a " +
                "Docker engine (Testcontainers starts postgres), or install the server binaries (apt-get install -y postgresql).");
        }
        await StartServerAsync();
    }

    /// <summary>A new, empty database of its own; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "gateway_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ToString();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
        if (_server is not null)
        {
            // A fast shutdown through pg_ctl; the process tree is killed if that does not end it.
            using (var stop = Process.Start(AsServiceUser(Path.Combine(_binaries!, "pg_ctl"), "stop", "-D", DataDirectory, "-m", "fast", "-w")))
            {
                if (stop is not null)
                {
                    await stop.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
                }
            }
            if (!_server.HasExited)
            {
                _server.Kill(entireProcessTree: true);
            }
            await _server.WaitForExitAsync();
            _server.Dispose();
        }
        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // a leftover temp folder is harmless
            }
        }
    }

    private string DataDirectory => Path.Combine(_directory!, "data");

    private async Task StartServerAsync()
    {
        var port = FreePort();
        _directory = Directory.CreateTempSubdirectory("gateway-postgres-").FullName;
        if (IsRoot())
        {
            await RunAsync("chown", "-R", $"{ServiceUser}:", _directory);
        }
        var initdb = await RunAsync(AsServiceUser(Path.Combine(_binaries!, "initdb"), "-D", DataDirectory, "-U", "postgres",
            "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"));
        if (initdb.ExitCode != 0)
        {
            throw new InvalidOperationException($"initdb failed ({initdb.ExitCode}): {initdb.Output}");
        }
        // In the foreground, a child of the test run: it cannot outlive the fixture's process tree.
        var start = AsServiceUser(Path.Combine(_binaries!, "postgres"), "-D", DataDirectory, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", $"unix_socket_directories={_directory}", "-c", "fsync=off",
            "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200");
        _server = Process.Start(start) ?? throw new InvalidOperationException("postgres did not start.");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
            Pooling = true,
        }.ToString();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException && waited.Elapsed < TimeSpan.FromSeconds(30) && !_server.HasExited)
            {
                await Task.Delay(100);
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException)
            {
                throw new InvalidOperationException($"postgres did not accept connections on 127.0.0.1:{port} within 30 seconds.", ex);
            }
        }
    }

    private static ProcessStartInfo AsServiceUser(string binary, params string[] arguments)
    {
        var start = IsRoot() ? new ProcessStartInfo("runuser") : new ProcessStartInfo(binary);
        if (IsRoot())
        {
            foreach (var argument in new[] { "-u", ServiceUser, "--", binary })
            {
                start.ArgumentList.Add(argument);
            }
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        return start;
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string binary, params string[] arguments)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return RunAsync(start);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await errors);
    }

    private static bool IsRoot() => Environment.UserName == "root";

    private async Task<bool> TryStartContainerAsync()
    {
        if (!ContainerEngine.MayAnswer)
        {
            return false;
        }
        var container = new PostgreSqlBuilder("postgres:15-alpine").Build();
        if (!await ContainerEngine.TryStartAsync(container, TimeSpan.FromSeconds(90)))
        {
            return false;
        }
        _container = container;
        AdminConnectionString = container.GetConnectionString();
        return true;
    }

    /// <summary>The newest Debian server's binaries (<c>/usr/lib/postgresql/&lt;version&gt;/bin</c>), or <c>initdb</c>'s directory on PATH.</summary>
    private static string? FindBinaries()
    {
        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var newest = Directory.EnumerateDirectories(debian)
                .Select(d => (Path: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Path, "initdb")) && File.Exists(Path.Combine(d.Path, "postgres")))
                .OrderByDescending(d => d.Version)
                .FirstOrDefault();
            if (newest.Path is not null)
            {
                return newest.Path;
            }
        }
        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .FirstOrDefault(p => File.Exists(Path.Combine(p, "initdb")) && File.Exists(Path.Combine(p, "postgres")));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
