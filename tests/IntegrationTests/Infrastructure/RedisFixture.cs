using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using Testcontainers.Redis;

namespace ModelGateway.IntegrationTests.Infrastructure;

/// <summary>
/// A real Redis for the tests, found as README.md ("Tests") says: <c>REDIS_TEST_CONNECTION</c> → Testcontainers when
/// a Docker engine answers → a <c>redis-server</c> binary on PATH started on a free loopback port. None → the tests
/// fail.
/// A binary-started server can be stopped and restarted on the same port (outage tests).
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisContainer? _container;
    private Process? _server;
    private string? _directory;
    private int _port;

    /// <summary>StackExchange.Redis connection string for the gateway under test.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>True when this fixture owns a redis-server process it can stop and restart.</summary>
    public bool CanRestart => _server is not null || _directory is not null;

    public async Task InitializeAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("REDIS_TEST_CONNECTION");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            ConnectionString = fromEnvironment;
            return;
        }
        if (await TryStartContainerAsync())
        {
            return;
        }
        if (FindOnPath("redis-server") is { } binary)
        {
            _port = FreePort();
            _directory = Directory.CreateTempSubdirectory("gateway-redis-").FullName;
            await StartServerAsync(binary);
            ConnectionString = $"127.0.0.1:{_port}";
            return;
        }
        throw new InvalidOperationException(
            "No Redis for the tests. Set REDIS_TEST_CONNECTION to a Redis connection string, run a Docker engine " +
            "(Testcontainers starts redis), or install the redis-server binary (apt-get install -y redis-server).");
    }

    /// <summary>Stops the redis-server process (outage tests). Only for a binary-started server.</summary>
    public async Task StopAsync()
    {
        if (_server is null)
        {
            throw new InvalidOperationException("Only a redis-server started by the fixture can be stopped.");
        }
        _server.Kill(entireProcessTree: true);
        await _server.WaitForExitAsync();
        _server.Dispose();
        _server = null;
    }

    /// <summary>Starts the redis-server again on the same port.</summary>
    public Task RestartAsync() =>
        _directory is null || FindOnPath("redis-server") is not { } binary
            ? throw new InvalidOperationException("Only a redis-server started by the fixture can be restarted.")
            : StartServerAsync(binary);

    /// <summary>Empties the database, so tests do not see each other's entries.</summary>
    public async Task FlushAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString + ",allowAdmin=true");
        foreach (var endpoint in connection.GetEndPoints())
        {
            await connection.GetServer(endpoint).FlushAllDatabasesAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
        if (_server is not null)
        {
            _server.Kill(entireProcessTree: true);
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

    private async Task StartServerAsync(string binary)
    {
        var start = new ProcessStartInfo(binary)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--dir", _directory! })
        {
            start.ArgumentList.Add(argument);
        }
        _server = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, _port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"redis-server did not listen on 127.0.0.1:{_port} within 10 seconds.");
    }

    private async Task<bool> TryStartContainerAsync()
    {
        if (!ContainerEngine.MayAnswer)
        {
            return false;
        }
        var container = new RedisBuilder("redis:7-alpine").Build();
        if (!await ContainerEngine.TryStartAsync(container, TimeSpan.FromSeconds(60)))
        {
            return false;
        }
        _container = container;
        ConnectionString = container.GetConnectionString();
        return true;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name)
    {
        var paths = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Concat(["/usr/bin", "/usr/local/bin", "/usr/sbin"]);
        return paths.Select(p => Path.Combine(p, name)).FirstOrDefault(File.Exists);
    }
}
