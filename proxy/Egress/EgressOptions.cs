namespace ModelGateway.Egress;

/// <summary>Bounds and rules for every outbound probe (<c>Egress</c> section).</summary>
public sealed class EgressOptions
{
    public const string SectionName = "Egress";

    /// <summary>Allow probing loopback/private addresses. For tests only.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Total time one metadata probe may take, all requests and redirects included.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>How many redirects one request may follow.</summary>
    public int MaxRedirects { get; set; } = 5;

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);
}
