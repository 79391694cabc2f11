using ModelGateway.Policies;

namespace ModelGateway.Policy;

/// <summary>The <c>Policy</c> section and the <c>PolicyProfiles</c> that override it for keys naming them.</summary>
public sealed class GatewayPolicyOptions
{
    public PolicyOptions Policy { get; set; } = new();

    public Dictionary<string, PolicyOptions> Profiles { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
