using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ModelGateway.Health;

/// <summary>Not ready once the host has begun to stop: a load balancer sends no new work to a replica that is draining.</summary>
internal sealed class ShutdownReadinessCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("Shutting down: requests in flight finish, new ones belong elsewhere.")
            : HealthCheckResult.Healthy("Running."));
}
