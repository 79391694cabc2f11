using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ModelGateway.Redis;

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
