using DotNet.Testcontainers.Containers;

namespace ModelGateway.IntegrationTests.Infrastructure;

/// <summary>
/// Whether a container engine answers here, and starting a test container on it: the fixtures' first choice
/// (Redis, PostgreSQL), before the server binaries they fall back to.
/// </summary>
internal static class ContainerEngine
{
    /// <summary>A Docker socket or <c>DOCKER_HOST</c>: without either, no container is tried at all.</summary>
    public static bool MayAnswer =>
        File.Exists("/var/run/docker.sock") || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST"));

    /// <summary>Starts <paramref name="container"/> within <paramref name="timeout"/>; false when the engine cannot.</summary>
    public static async Task<bool> TryStartAsync(IContainer container, TimeSpan timeout)
    {
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            await container.StartAsync(deadline.Token);
            return true;
        }
#pragma warning disable CA1031 // any failure to reach the engine means "no engine": the fixture falls through to the binaries
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }
}
