namespace ModelGateway.Egress;

/// <summary>Thrown by the egress connector when a host resolves only to addresses a probe may not reach.</summary>
public sealed class BlockedAddressException : Exception
{
    public BlockedAddressException(string host)
        : base($"The host \"{host}\" resolves only to private, loopback or otherwise blocked addresses.")
    {
        Host = host;
    }

    public string Host { get; }
}
