using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ModelGateway.Redis;

/// <summary><c>ConnectionStrings:Redis</c> and the bounds the gateway puts on every Redis call.</summary>
internal sealed class RedisOptions
{
    /// <summary>StackExchange.Redis connection string; empty = no Redis (in-memory cache and limiter).</summary>
    public string? ConnectionString { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>Empty, or parseable by StackExchange.Redis. The message never echoes it: it may hold a password.</summary>
    public static bool IsValid(RedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsConfigured)
        {
            return true;
        }
        try
        {
            return ConfigurationOptions.Parse(options.ConnectionString!).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>
/// Opens the Redis connection in the background at startup, so no request waits for the first connect
/// (StackExchange.Redis connects synchronously on first use).
/// </summary>
internal sealed class RedisConnectionWarmup(RedisConnection connection) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (connection.IsConfigured)
        {
            _ = Task.Run(() => connection.Multiplexer, CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The one Redis connection of the app, created on first use (so configuration layered on late — tests — is seen).
/// <c>abortConnect=false</c> and short timeouts: a Redis that is down makes calls fail fast, it never stops startup.
/// Its connection events feed <see cref="RedisCircuit"/>, which logs outages.
/// </summary>
internal sealed partial class RedisConnection : IDisposable
{
    private readonly IOptions<RedisOptions> _options;
    private readonly Lazy<IConnectionMultiplexer?> _connection;

    public RedisConnection(IOptions<RedisOptions> options, RedisCircuit health, ILogger<RedisConnection> logger)
    {
        _options = options;
        _connection = new(() => Connect(options.Value, health, logger));
    }

    public bool IsConfigured => _options.Value.IsConfigured;

    /// <summary>The multiplexer, or null when no Redis is configured.</summary>
    public IConnectionMultiplexer? Multiplexer => _connection.Value;

    /// <summary>For libraries that take a factory (RedisCache).</summary>
    public IConnectionMultiplexer GetRequired() =>
        Multiplexer ?? throw new InvalidOperationException("ConnectionStrings:Redis is not configured.");

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value?.Dispose();
        }
    }

    private static ConnectionMultiplexer? Connect(RedisOptions options, RedisCircuit health, ILogger logger)
    {
        if (!options.IsConfigured)
        {
            return null;
        }
        var configuration = ConfigurationOptions.Parse(options.ConnectionString!);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.SyncTimeout = Math.Min(configuration.SyncTimeout, 1000);
        configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 1000);
        configuration.ClientName ??= "model-gateway";
        var multiplexer = ConnectionMultiplexer.Connect(configuration);
        multiplexer.ConnectionFailed += (_, e) => health.ReportFailure($"{e.FailureType} on {e.EndPoint}");
        multiplexer.ConnectionRestored += (_, _) => health.ReportSuccess();
        Log.Connecting(logger, string.Join(",", configuration.EndPoints));
        return multiplexer;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Using Redis at {EndPoints}.", EventName = "RedisConnecting")]
        public static partial void Connecting(ILogger logger, string endPoints);
    }
}
