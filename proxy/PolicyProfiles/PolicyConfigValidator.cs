using ModelGateway.Policies;
using ModelGateway.Primitives;

namespace ModelGateway.PolicyProfiles;

/// <summary><c>Policy</c> and every <c>PolicyProfiles:&lt;name&gt;</c>: every problem of every section.</summary>
internal sealed class PolicyConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        foreach (var (path, options) in GatewayPolicyOptions.Bind(configuration, new GatewayPolicyOptions(), problems))
        {
            foreach (var problem in PolicyOptionsValidator.Validate(path, options))
            {
                problems.Add(problem);
            }
        }
    }
}
