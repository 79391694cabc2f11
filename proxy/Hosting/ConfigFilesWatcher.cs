using Microsoft.Extensions.Diagnostics.HealthChecks;
using ModelGateway.Telemetry;

namespace ModelGateway.Hosting;

/// <summary>
/// Live configuration: while the app runs, every edit of the <c>config/</c> files is checked by the
/// <see cref="GatewayConfigValidator"/> before it applies (<see cref="ConfigFilesProvider"/>); a refused edit is logged
/// with every problem and the last good configuration stays in force. Watching follows the host's standard switch,
/// <c>hostBuilder:reloadConfigOnChange</c> (default true). As a readiness check it is Degraded while the files on disk
/// hold a refused edit: the gateway serves, but not what the files say.
/// </summary>
internal sealed partial class ConfigFilesWatcher(
    IConfiguration configuration,
    GatewayConfigValidator validator,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<ConfigFilesWatcher> logger) : IHostedService, IHealthCheck
{
    public const string WatchSwitch = "hostBuilder:reloadConfigOnChange";

    private ConfigFilesProvider? _provider;
    private volatile EditStatus _status = new(null, null);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!configuration.GetValue(WatchSwitch, defaultValue: true)
            || configuration is not IConfigurationRoot root
            || root.Providers.OfType<ConfigFilesProvider>().FirstOrDefault() is not { } provider)
        {
            return Task.CompletedTask;
        }
        _provider = provider;
        Log.Watching(logger, provider.Folder);
        provider.StartWatching(root, validator.Validate, Report);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _provider?.StopWatching();
        return Task.CompletedTask;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var watched = _provider is null ? "not watched" : "watched";
        var status = _status;
        var applied = status.LastApplied is { } at ? $"; last edit applied at {at:yyyy-MM-ddTHH:mm:ssZ}" : string.Empty;
        return Task.FromResult(status.Refused is { } refusal
            ? HealthCheckResult.Degraded(
                $"The edit of the configuration files at {refusal.At:yyyy-MM-ddTHH:mm:ssZ} was refused ({refusal.ProblemCount} problem(s), logged); the last good configuration is in force.")
            : HealthCheckResult.Healthy($"Configuration valid and in force; files {watched}{applied}."));
    }

    private void Report(ConfigFilesChange change)
    {
        metrics.ConfigurationReloaded(change.Applied);
        if (change.Applied)
        {
            _status = new EditStatus(time.GetUtcNow(), null);
            Log.Applied(logger, _provider!.Folder, change.ChangedSections.Count == 0
                ? "nothing; the files are back to the configuration in force"
                : string.Join(", ", change.ChangedSections));
        }
        else
        {
            _status = _status with { Refused = new Refusal(time.GetUtcNow(), change.Problems.Count) };
            Log.Refused(logger, _provider!.Folder, change.Problems.Count, string.Concat(change.Problems.Select(p => Environment.NewLine + "  - " + p)));
        }
    }

    /// <summary>The last edit applied, and the refused edit the files hold since (null once a later edit applies).</summary>
    private sealed record EditStatus(DateTimeOffset? LastApplied, Refusal? Refused);

    private sealed record Refusal(DateTimeOffset At, int ProblemCount);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Watching {Folder} for configuration edits; each is checked before it applies.", EventName = "ConfigurationWatched")]
        public static partial void Watching(ILogger logger, string folder);

        [LoggerMessage(2, LogLevel.Information, "Configuration files in {Folder} edited; the new configuration is in force (changed: {Sections}).", EventName = "ConfigurationApplied")]
        public static partial void Applied(ILogger logger, string folder, string sections);

        [LoggerMessage(3, LogLevel.Error, "Configuration files in {Folder} edited, but the edit is refused and the last good configuration stays in force ({Count} problem(s)):{Problems}", EventName = "ConfigurationRefused")]
        public static partial void Refused(ILogger logger, string folder, int count, string problems);
    }
}
