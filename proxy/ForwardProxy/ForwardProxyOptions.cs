namespace ModelGateway.ForwardProxy;

/// <summary>The forward-proxy listener (<c>ForwardProxy</c> section). Off while <see cref="Url"/> is empty. Read at startup.</summary>
internal sealed class ForwardProxyOptions
{
    public const string SectionName = "ForwardProxy";

    public const int MaxTimeoutSeconds = 3600;

    /// <summary>Where the listener binds, <c>http://address:port</c> (e.g. <c>http://127.0.0.1:3128</c>); empty: no listener.</summary>
    public string? Url { get; set; }

    /// <summary>PEM file of the organisation's CA certificate that intercepted model hosts' certificates are minted from.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>PEM file of that CA's private key.</summary>
    public string? CaKey { get; set; }

    /// <summary>
    /// Host patterns (<c>*.example.com</c> = any subdomain) whose CONNECT tunnels are relayed without decryption; the
    /// host lists of <c>Policy</c> and the egress rules (public addresses, allowed ports) still apply.
    /// </summary>
    public List<string> TunnelHosts { get; set; } = [];

    /// <summary>Time a client has to send its CONNECT (or first request head) and finish the TLS handshake.</summary>
    public int HandshakeTimeoutSeconds { get; set; } = 10;

    /// <summary>A relayed tunnel, or an intercepted connection between requests, idle this long is closed.</summary>
    public int IdleTimeoutSeconds { get; set; } = 120;

    /// <summary>Tunnels (relayed or intercepted) one key may hold open at once on one replica; 429 beyond.</summary>
    public int MaxTunnelsPerKey { get; set; } = 16;

    /// <summary>Connections the listener holds at once; beyond, new ones are closed at once.</summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>How long a minted certificate is valid (hours); it is replaced well before it ends.</summary>
    public int CertificateLifetimeHours { get; set; } = 24;

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public TimeSpan HandshakeTimeout => TimeSpan.FromSeconds(HandshakeTimeoutSeconds);

    public TimeSpan IdleTimeout => TimeSpan.FromSeconds(IdleTimeoutSeconds);

    public TimeSpan CertificateLifetime => TimeSpan.FromHours(CertificateLifetimeHours);
}
