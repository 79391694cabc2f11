using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;

namespace ModelGateway.ForwardProxy;

/// <summary>
/// <c>GET /proxy.pac</c> on the main listener: a proxy auto-config script that sends the hosts the proxy serves (model
/// hosts, tunnel hosts, Xet hosts — refused there with a reason rather than failing elsewhere) to the forward-proxy
/// listener and everything else <c>DIRECT</c> (where the organisation's firewall decides). The proxy is named by the
/// host the script was fetched from and the listener's port. Anonymous: browsers and Desktop fetch it without a key.
/// </summary>
internal static class ProxyAutoConfig
{
    public const string Path = "/proxy.pac";

    public const string ContentType = "application/x-ns-proxy-autoconfig";

    public static IResult Serve(HttpContext context, ProxyHostRules hosts, IOptions<ForwardProxyOptions> options, ForwardProxyListener listener)
    {
        ArgumentNullException.ThrowIfNull(context);
        var port = listener.Address?.Port ?? new Uri(options.Value.Url!).Port;
        // The Host header is the client's: only a well-formed name or address goes into the script.
        var host = context.Request.Host.Host;
        if (Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            return Results.BadRequest();
        }
        return Results.Text(Script(hosts.ProxiedPatterns(), host, port), ContentType, Encoding.UTF8);
    }

    public static string Script(IEnumerable<string> patterns, string proxyHost, int proxyPort)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var script = new StringBuilder()
            .AppendLine("// Model gateway: model hosts (and the listed tunnel hosts) through the gateway's forward proxy.")
            .AppendLine("function FindProxyForURL(url, host) {")
            .AppendLine("  host = host.toLowerCase();");
        foreach (var pattern in patterns)
        {
            script.Append(CultureInfo.InvariantCulture, $"  if (shExpMatch(host, \"{pattern}\")) return \"PROXY {proxyHost}:{proxyPort}\";\n");
        }
        return script.AppendLine("  return \"DIRECT\";").AppendLine("}").ToString();
    }
}
