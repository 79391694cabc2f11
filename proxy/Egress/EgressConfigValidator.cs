using ModelGateway.Primitives;

namespace ModelGateway.Egress;

/// <summary>The <c>Egress</c> section: every problem listed at once.</summary>
internal sealed class EgressConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new EgressOptions();
        if (!ConfigBinding.TryBind(configuration.GetSection(EgressOptions.SectionName), options, problems))
        {
            return;
        }
        if (options.TimeoutSeconds is < 1 or > 300)
        {
            problems.Add("Egress:TimeoutSeconds must be between 1 and 300.");
        }
        if (options.ConnectTimeoutSeconds is < 1 or > 300)
        {
            problems.Add("Egress:ConnectTimeoutSeconds must be between 1 and 300.");
        }
        if (options.MaxRedirects is < 0 or > 20)
        {
            problems.Add("Egress:MaxRedirects must be between 0 and 20.");
        }
        foreach (var (port, index) in options.AllowedPorts.Select((p, i) => (p, i)))
        {
            if (port is < 1 or > 65535)
            {
                problems.Add($"Egress:AllowedPorts:{index}: {port} is not a TCP port (1-65535).");
            }
        }
        if (options.MaxResponseHeadersKiB is < 1 or > 1024)
        {
            problems.Add("Egress:MaxResponseHeadersKiB must be between 1 and 1024.");
        }
        if (options.MaxJsonBytes is < 1024 or > 256 * 1024 * 1024)
        {
            problems.Add("Egress:MaxJsonBytes must be between 1024 and 268435456.");
        }
        if (!string.IsNullOrWhiteSpace(options.ProxyUrl)
            && (!Uri.TryCreate(options.ProxyUrl, UriKind.Absolute, out var proxy)
                || (proxy.Scheme != Uri.UriSchemeHttp && proxy.Scheme != Uri.UriSchemeHttps)))
        {
            problems.Add($"Egress:ProxyUrl: \"{options.ProxyUrl}\" is not an absolute http(s) URL.");
        }
    }
}
