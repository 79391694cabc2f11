using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>Bounds and rules for every outbound probe (<c>Egress</c> section).</summary>
internal sealed class EgressOptions
{
    public const string SectionName = "Egress";

    /// <summary>The ports a URL that is not an admin-configured origin may use when <see cref="AllowedPorts"/> is empty.</summary>
    public static readonly IReadOnlyList<int> DefaultPorts = [80, 443];

    /// <summary>
    /// Allow probing loopback/private addresses and any port. For tests only: the loopback fakes listen on random
    /// ports.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Total time one metadata probe may take, all requests and redirects included.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Time to open one TCP connection (DNS included).</summary>
    public int ConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>How many redirects one request may follow.</summary>
    public int MaxRedirects { get; set; } = 5;

    /// <summary>
    /// Ports user-supplied URLs and redirect targets may use (empty: 80 and 443). Admin-configured origins (sources'
    /// <c>BaseUrl</c>, YARP destinations) are exempt.
    /// </summary>
    public List<int> AllowedPorts { get; set; } = [];

    /// <summary>Largest response header block accepted, in KiB.</summary>
    public int MaxResponseHeadersKiB { get; set; } = 64;

    /// <summary>Largest JSON body (source APIs) read, in bytes.</summary>
    public int MaxJsonBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// An HTTP proxy every probe goes through (e.g. an egress proxy such as smokescreen). Empty: direct connections;
    /// the environment's HTTP(S)_PROXY is never used. The proxy resolves host names itself, so it must enforce
    /// its own egress rules.
    /// </summary>
    public string? ProxyUrl { get; set; }

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public TimeSpan ConnectTimeout => TimeSpan.FromSeconds(ConnectTimeoutSeconds);

    public IReadOnlyList<int> EffectivePorts => AllowedPorts.Count == 0 ? DefaultPorts : AllowedPorts;

    /// <summary>
    /// The port rule, for a URL that is not a trusted origin (a pasted URL, every hop but a source's own): it may use
    /// <paramref name="port"/>.
    /// </summary>
    public bool IsPortAllowed(int port) => AllowPrivateNetworks || EffectivePorts.Contains(port);

    /// <summary>
    /// The private-literal rule, for a URL that is not a trusted origin: its <paramref name="normalizedHost"/> is no
    /// literal private, loopback or link-local address (nor <c>localhost</c>) in any notation.
    /// </summary>
    public bool IsLiteralAllowed(string normalizedHost) => AllowPrivateNetworks || !NetworkAddresses.IsPrivateLiteral(normalizedHost);

    public Uri? Proxy => string.IsNullOrWhiteSpace(ProxyUrl) ? null : new Uri(ProxyUrl, UriKind.Absolute);
}
