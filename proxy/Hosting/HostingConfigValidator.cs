using System.Net;
using ModelGateway.Primitives;

namespace ModelGateway.Hosting;

/// <summary>The host's own keys: <c>Hosting</c>, <c>ForwardedHeaders</c> and the <c>Logging</c> levels.</summary>
internal sealed class HostingConfigValidator : IFeatureConfigValidator
{
    public const int MaxShutdownTimeoutSeconds = 3600;
    public const int MaxShutdownDelaySeconds = 300;

    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var hosting = new GatewayHostingOptions();
        if (ConfigBinding.TryBind(configuration.GetSection(GatewayHostingOptions.SectionName), hosting, problems))
        {
            var timeoutInRange = hosting.ShutdownTimeoutSeconds is >= 1 and <= MaxShutdownTimeoutSeconds;
            if (!timeoutInRange)
            {
                problems.Add($"Hosting:ShutdownTimeoutSeconds must be between 1 and {MaxShutdownTimeoutSeconds}.");
            }
            if (hosting.ShutdownDelaySeconds is < 0 or > MaxShutdownDelaySeconds)
            {
                problems.Add($"Hosting:ShutdownDelaySeconds must be between 0 and {MaxShutdownDelaySeconds}.");
            }
            else if (timeoutInRange && hosting.ShutdownDelaySeconds >= hosting.ShutdownTimeoutSeconds)
            {
                problems.Add("Hosting:ShutdownDelaySeconds must be shorter than Hosting:ShutdownTimeoutSeconds: the delay counts within it.");
            }
        }
        ValidateLogLevels(configuration, problems);
        var forwarded = new ForwardedHeadersSettings();
        if (!ConfigBinding.TryBind(configuration.GetSection(ForwardedHeadersSettings.SectionName), forwarded, problems))
        {
            return;
        }
        for (var i = 0; i < forwarded.KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(forwarded.KnownProxies[i], out _))
            {
                problems.Add($"ForwardedHeaders:KnownProxies:{i}: \"{forwarded.KnownProxies[i]}\" is not an IP address.");
            }
        }
        for (var i = 0; i < forwarded.KnownNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(forwarded.KnownNetworks[i], out _))
            {
                problems.Add($"ForwardedHeaders:KnownNetworks:{i}: \"{forwarded.KnownNetworks[i]}\" is not a network in CIDR form (e.g. 172.16.0.0/12).");
            }
        }
    }

    /// <summary>
    /// <c>Logging:LogLevel:*</c> and <c>Logging:&lt;provider&gt;:LogLevel:*</c> as the logging filter reads them: a value
    /// it cannot parse would throw when the filter is built — at startup, or on a live edit, in the reload listener.
    /// </summary>
    internal static void ValidateLogLevels(IConfiguration configuration, IList<string> problems)
    {
        foreach (var (key, value) in configuration.GetSection("Logging").AsEnumerable())
        {
            var segments = key.Split(ConfigurationPath.KeyDelimiter);
            var isLevel = Array.FindIndex(segments, s => s.Equals("LogLevel", StringComparison.OrdinalIgnoreCase)) is var at
                && at > 0 && at < segments.Length - 1;
            if (isLevel && !string.IsNullOrEmpty(value) && !Enum.TryParse<LogLevel>(value, ignoreCase: true, out _))
            {
                problems.Add($"{key}: \"{value}\" is not a log level (Trace, Debug, Information, Warning, Error, Critical or None).");
            }
        }
    }
}
