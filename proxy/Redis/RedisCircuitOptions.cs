namespace ModelGateway.Redis;

/// <summary>How <see cref="RedisCircuit"/> paces its probes.</summary>
internal sealed class RedisCircuitOptions
{
    /// <summary>
    /// After a failure, how long calls skip Redis before one probes it. No key of its own: the gateway sets it from
    /// <c>RateLimiting:RedisRetrySeconds</c>.
    /// </summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(5);
}
