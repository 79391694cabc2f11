namespace ModelGateway.Hosting;

/// <summary>How a replica stops (<c>Hosting</c> section). Read at startup.</summary>
internal sealed class GatewayHostingOptions
{
    public const string SectionName = "Hosting";

    /// <summary>How long a stopping replica lets requests in flight (downloads) finish.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>How long a stopping replica keeps serving while it answers not ready (<see cref="ShutdownDelay"/>).</summary>
    public int ShutdownDelaySeconds { get; set; }
}
