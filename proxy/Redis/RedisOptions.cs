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
