namespace ModelGateway.Redis;

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
