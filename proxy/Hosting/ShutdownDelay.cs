using Microsoft.Extensions.Options;

namespace ModelGateway.Hosting;

/// <summary>
/// <c>Hosting:ShutdownDelaySeconds</c>: once shutdown begins, the replica answers <c>/healthz/ready</c> with 503 but
/// keeps serving for this long before it stops taking requests, so a load balancer or orchestrator that polls
/// readiness takes it out of rotation first. Counts within <c>Hosting:ShutdownTimeoutSeconds</c>. 0 (the default)
/// stops at once.
/// </summary>
internal sealed partial class ShutdownDelay(IOptions<GatewayHostingOptions> hosting, TimeProvider time, ILogger<ShutdownDelay> logger) : IHostedLifecycleService
{
    // The startup snapshot, as the shutdown timeout it counts within.
    private readonly int _seconds = hosting.Value.ShutdownDelaySeconds;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var seconds = _seconds;
        if (seconds <= 0)
        {
            return;
        }
        Log.Delaying(logger, seconds);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // the shutdown timeout ran out first
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Shutting down: not ready, still serving for {Seconds} s before new requests are refused.", EventName = "ShutdownDelayed")]
        public static partial void Delaying(ILogger logger, int seconds);
    }
}
