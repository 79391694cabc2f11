using ModelGateway.Primitives;

namespace ModelGateway.Hosting;

/// <summary>
/// Every feature's <see cref="IFeatureConfigValidator"/> over one configuration: the app's at startup (before YARP maps
/// its routes), or any candidate configuration, which need not be the app's.
/// </summary>
internal sealed class GatewayConfigValidator(IEnumerable<IFeatureConfigValidator> validators)
{
    /// <summary>Every problem of <paramref name="configuration"/>, in the order the features were registered; empty when valid.</summary>
    public IReadOnlyList<string> Validate(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        foreach (var validator in validators)
        {
            validator.Validate(configuration, problems);
        }
        return problems;
    }

    /// <exception cref="GatewayConfigurationException">The configuration has problems; all of them are listed.</exception>
    public void ThrowIfInvalid(IConfiguration configuration)
    {
        var problems = Validate(configuration);
        if (problems.Count > 0)
        {
            throw new GatewayConfigurationException(problems);
        }
    }
}

/// <summary>A configuration the gateway cannot start with, and every problem it has (never a secret).</summary>
internal sealed class GatewayConfigurationException(IReadOnlyList<string> problems)
    : Exception($"The gateway's configuration is invalid ({problems.Count} problem(s)).")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
