namespace ModelGateway.Hosting;

/// <summary>
/// <c>ForwardedHeaders</c>: the load balancers whose <c>X-Forwarded-For</c> names the real client. None by default, so
/// the header is ignored and the TCP peer is the client. Read at startup.
/// </summary>
internal sealed class ForwardedHeadersSettings
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Addresses of trusted proxies (<c>10.0.0.5</c>, <c>::1</c>).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR form (<c>172.16.0.0/12</c>).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public bool TrustsAnyProxy => KnownProxies.Count > 0 || KnownNetworks.Count > 0;
}
