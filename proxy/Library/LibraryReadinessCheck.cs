using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ModelGateway.Library;

/// <summary>
/// Degraded while the store cannot be written: downloads are still served (from upstream, and from the store where it can
/// be read), but nothing new is kept.
/// </summary>
internal sealed class LibraryReadinessCheck(ModelLibrary library) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problem = await library.Store.CheckWritableAsync(cancellationToken);
        return problem is null
            ? HealthCheckResult.Healthy($"The library ({library.Store.Kind}) can be written; {library.SizeBytes} bytes known.")
            : HealthCheckResult.Degraded($"{problem} Downloads are served, but not kept.");
    }
}
