using ModelGateway.Primitives;

namespace ModelGateway.Redis;

/// <summary><c>ConnectionStrings:Redis</c>: empty, or a connection string StackExchange.Redis parses. Never echoed: it may hold a password.</summary>
internal sealed class RedisConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        if (!RedisOptions.IsValid(new RedisOptions { ConnectionString = configuration.GetConnectionString("Redis") }))
        {
            problems.Add("ConnectionStrings:Redis is not a valid StackExchange.Redis connection string (e.g. \"redis:6379,password=…\").");
        }
    }
}
