namespace ModelGateway.Telemetry;

/// <summary>What the meter observes that other features own; the host sets it.</summary>
internal sealed class GatewayMetricsOptions
{
    /// <summary>Whether Redis can be used now: true or false, or null when no Redis is configured.</summary>
    public Func<bool?>? RedisAvailable { get; set; }
}
