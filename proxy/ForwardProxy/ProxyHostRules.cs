using Microsoft.Extensions.Options;
using ModelGateway.Policies;
using ModelGateway.Sources.CivitAi;
using ModelGateway.Sources.HuggingFace;

namespace ModelGateway.ForwardProxy;

/// <summary>What the forward proxy does with a requested host.</summary>
internal enum ProxyHostAction
{
    /// <summary>A model host: TLS terminated, every request through the source's enforced route.</summary>
    Intercept,

    /// <summary>A <c>ForwardProxy:TunnelHosts</c> host: relayed without decryption.</summary>
    Tunnel,

    /// <summary>A Hugging Face Xet storage host: refused, so clients fall back to plain downloads through the gateway.</summary>
    Xet,

    /// <summary>Anything else: refused.</summary>
    Refuse,
}

/// <summary>The decision for one requested host: its action, and for an intercepted host its source's name.</summary>
internal readonly record struct ProxyHostDecision(ProxyHostAction Action, string Host, string? Source = null);

/// <summary>
/// Squid's <c>ssl_bump</c> rules for this gateway, decided on the requested name alone: the named sources' own hosts
/// (<c>Sources:CivitAI:Hosts</c>, <c>Sources:HuggingFace:Hosts</c>) are intercepted ("bump"), Xet storage hosts are
/// refused even when listed, <c>ForwardProxy:TunnelHosts</c> are relayed ("splice"), everything else is refused.
/// </summary>
internal sealed class ProxyHostRules(
    IOptionsMonitor<CivitAiOptions> civitAi,
    IOptionsMonitor<HuggingFaceOptions> huggingFace,
    IOptions<ForwardProxyOptions> options)
{
    /// <summary>Hugging Face's Xet storage (CAS, transfer and bridge hosts): a client that reaches them downloads around the gateway.</summary>
    public static readonly IReadOnlyList<string> XetHosts = ["xethub.hf.co", "*.xethub.hf.co"];

    private readonly string[] _tunnelHosts = [.. options.Value.TunnelHosts.Select(HostPolicy.NormalizeHost)];

    public ProxyHostDecision Decide(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var normalized = HostPolicy.NormalizeHost(host);
        if (XetHosts.Any(pattern => HostPolicy.Matches(pattern, normalized)))
        {
            return new ProxyHostDecision(ProxyHostAction.Xet, normalized);
        }
        if (Recognizes(civitAi.CurrentValue.Hosts, normalized))
        {
            return new ProxyHostDecision(ProxyHostAction.Intercept, normalized, CivitAiSource.SourceName);
        }
        if (Recognizes(huggingFace.CurrentValue.Hosts, normalized))
        {
            return new ProxyHostDecision(ProxyHostAction.Intercept, normalized, HuggingFaceSource.SourceName);
        }
        return _tunnelHosts.Any(pattern => HostPolicy.Matches(pattern, normalized))
            ? new ProxyHostDecision(ProxyHostAction.Tunnel, normalized)
            : new ProxyHostDecision(ProxyHostAction.Refuse, normalized);
    }

    /// <summary>Every host pattern the proxy serves in some way (intercepted, relayed or refused with a reason), for the PAC file.</summary>
    public IEnumerable<string> ProxiedPatterns() =>
        civitAi.CurrentValue.Hosts.Concat(huggingFace.CurrentValue.Hosts).Concat(_tunnelHosts).Concat(XetHosts)
            .Select(HostPolicy.NormalizeHost).Distinct(StringComparer.Ordinal);

    private static bool Recognizes(IEnumerable<string> patterns, string host) =>
        patterns.Any(pattern => HostPolicy.Matches(HostPolicy.NormalizeHost(pattern), host));
}
