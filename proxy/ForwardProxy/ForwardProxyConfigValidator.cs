using System.Net;
using ModelGateway.Policies;
using ModelGateway.Primitives;

namespace ModelGateway.ForwardProxy;

/// <summary>
/// <c>ForwardProxy</c>: when <c>Url</c> is set, an <c>http://</c> address to bind (an IP literal or <c>localhost</c>, a
/// port), a CA certificate and key that load as a CA, well-formed tunnel host patterns, and bounds in range.
/// </summary>
internal sealed class ForwardProxyConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        const string section = ForwardProxyOptions.SectionName;
        var options = new ForwardProxyOptions();
        if (!ConfigBinding.TryBind(configuration.GetSection(section), options, problems) || !options.Enabled)
        {
            return;
        }
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp || url.UserInfo.Length > 0
            || url.PathAndQuery != "/" || url.Fragment.Length > 0 || !HasExplicitPort(options.Url!)
            || !(url.Host == "localhost" || IPAddress.TryParse(url.Host.Trim('[', ']'), out _)))
        {
            problems.Add($"{section}:Url: \"{options.Url}\" must be http://<IP address or localhost>:<port> (e.g. http://127.0.0.1:3128, http://0.0.0.0:3128).");
        }
        if (string.IsNullOrWhiteSpace(options.CaCertificate) || string.IsNullOrWhiteSpace(options.CaKey))
        {
            problems.Add($"{section}:CaCertificate and {section}:CaKey (PEM files; `create-ca <dir>` writes a pair) are required when {section}:Url is set.");
        }
        else if (ProxyCertificateAuthority.Problem(options.CaCertificate, options.CaKey) is { } problem)
        {
            problems.Add($"{section}:CaCertificate/CaKey: {problem}");
        }
        foreach (var (pattern, index) in options.TunnelHosts.Select((p, i) => (p, i)))
        {
            if (!HostPolicy.IsValidPattern(pattern))
            {
                problems.Add($"{section}:TunnelHosts:{index}: \"{pattern}\" is not a host name or *.domain pattern.");
            }
        }
        Range(problems, "HandshakeTimeoutSeconds", options.HandshakeTimeoutSeconds, 1, ForwardProxyOptions.MaxTimeoutSeconds);
        Range(problems, "IdleTimeoutSeconds", options.IdleTimeoutSeconds, 1, ForwardProxyOptions.MaxTimeoutSeconds);
        Range(problems, "MaxTunnelsPerKey", options.MaxTunnelsPerKey, 1, 10_000);
        Range(problems, "MaxConnections", options.MaxConnections, 1, 1_000_000);
        Range(problems, "CertificateLifetimeHours", options.CertificateLifetimeHours, 1, 24 * 30);
    }

    private static void Range(IList<string> problems, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{ForwardProxyOptions.SectionName}:{key} must be between {min} and {max}.");
        }
    }

    // Uri fills in 80 for "http://host": the listener's port must be written out.
    private static bool HasExplicitPort(string url)
    {
        var authority = url[(url.IndexOf("//", StringComparison.Ordinal) + 2)..].TrimEnd('/');
        return authority.LastIndexOf(':') > authority.LastIndexOf(']');
    }
}
