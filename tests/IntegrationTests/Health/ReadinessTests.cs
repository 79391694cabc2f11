using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Health;

/// <summary>
/// <c>/healthz/live</c> and <c>/healthz/ready</c> of the real gateway: readiness follows the test's real Redis as it
/// is stopped and started again — Degraded while the gateway fails open, Unhealthy (503) while it fails closed — and
/// turns Unhealthy once shutdown has begun.
/// </summary>
public sealed class ReadinessTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan FlipWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Live_AnyState_200WithNoChecks_HealthzIsTheSame()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);

        foreach (var path in new[] { "/healthz/live", "/healthz" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
            Assert.Empty(json.RootElement.GetProperty("checks").EnumerateObject());
        }
    }

    [Fact]
    public async Task Ready_NoRedisConfigured_HealthyWithEveryCheckDescribed()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);

        var (status, report) = await ReadyAsync(client);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", report.Status);
        Assert.Equal(["configuration", "library", "redis", "shutdown"], report.Checks.Keys.Order(StringComparer.Ordinal));
        Assert.All(report.Checks.Values, c => Assert.Equal("Healthy", c.Status));
        Assert.Equal("No Redis configured: cache and rate limits are kept in this replica's memory.", report.Checks["redis"].Description);
        Assert.Equal("Running.", report.Checks["shutdown"].Description);
        Assert.StartsWith("Configuration valid and in force", report.Checks["configuration"].Description, StringComparison.Ordinal);
        Assert.Equal("The library (directory) can be written; 0 bytes known.", report.Checks["library"].Description);
    }

    [Fact]
    public async Task Ready_LibraryDirectoryNotWritable_DegradedWith200()
    {
        var blocked = Path.Combine(Path.GetTempPath(), "gateway-library-blocked-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(blocked, "a file where the library directory should be");
        try
        {
            await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["Library:Path"] = blocked });
            using var client = gateway.CreateClient(apiKey: null);

            var (status, report) = await ReadyAsync(client);

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("Degraded", report.Status);
            Assert.Equal("Degraded", report.Checks["library"].Status);
            Assert.Equal("The library directory cannot be written (DirectoryNotFoundException). Downloads are served, but not kept.",
                report.Checks["library"].Description);
        }
        finally
        {
            File.Delete(blocked);
        }
    }

    [Fact]
    public async Task Ready_RedisStoppedAndRestartedFailingOpen_DegradedWith200ThenHealthy()
    {
        Assert.True(redis.CanRestart, "This test needs a redis-server the fixture started (not REDIS_TEST_CONNECTION or a container).");
        await using var gateway = Gateway("FailOpen");
        using var client = gateway.CreateClient(apiKey: null);
        var (_, before) = await ReadyAsync(client);
        Assert.Equal("Healthy", before.Status);
        Assert.StartsWith("Redis answered PING in ", before.Checks["redis"].Description, StringComparison.Ordinal);

        await redis.StopAsync();
        try
        {
            var (status, during) = await WaitForAsync(client, "Degraded");

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("Degraded", during.Checks["redis"].Status);
            Assert.Matches(
                "^Redis unreachable( for [0-9]+ s)?; serving with per-replica rate limits and memory-only cache \\(RateLimiting:RedisFailureMode is FailOpen\\)\\.$",
                during.Checks["redis"].Description);
            Assert.Equal("Healthy", during.Checks["configuration"].Status);
        }
        finally
        {
            await redis.RestartAsync();
        }

        var (statusAfter, after) = await WaitForAsync(client, "Healthy");
        Assert.Equal(HttpStatusCode.OK, statusAfter);
        Assert.Equal("Healthy", after.Checks["redis"].Status);
    }

    [Fact]
    public async Task Ready_RedisStoppedAndRestartedFailingClosed_Unhealthy503ThenHealthy()
    {
        Assert.True(redis.CanRestart, "This test needs a redis-server the fixture started (not REDIS_TEST_CONNECTION or a container).");
        await using var gateway = Gateway("FailClosed");
        using var client = gateway.CreateClient(apiKey: null);
        Assert.Equal("Healthy", (await ReadyAsync(client)).Report.Status);

        await redis.StopAsync();
        try
        {
            var (status, during) = await WaitForAsync(client, "Unhealthy");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("Unhealthy", during.Checks["redis"].Status);
            Assert.EndsWith("RateLimiting:RedisFailureMode is FailClosed, so rate-limited requests are refused with 503.",
                during.Checks["redis"].Description, StringComparison.Ordinal);
            // Liveness is not readiness: the process is fine.
            using var live = await client.GetAsync("/healthz/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            await redis.RestartAsync();
        }

        var (statusAfter, _) = await WaitForAsync(client, "Healthy");
        Assert.Equal(HttpStatusCode.OK, statusAfter);
    }

    [Fact]
    public async Task Ready_ShutdownBegun_Unhealthy503WhileStillServingForTheDelay()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["Hosting:ShutdownDelaySeconds"] = "5" });
        using var client = gateway.CreateClient(apiKey: null);
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(client)).Status);

        gateway.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var (status, report) = await ReadyAsync(client);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", report.Status);
        Assert.Equal("Unhealthy", report.Checks["shutdown"].Status);
        Assert.Equal("Shutting down: requests in flight finish, new ones belong elsewhere.", report.Checks["shutdown"].Description);
        using var live = await client.GetAsync("/healthz/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Ready_WrongKeyAndManyRequests_NeverRefused()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["RateLimiting:PermitLimit"] = "1" });
        using var client = gateway.CreateClient("not-a-configured-key");

        for (var i = 0; i < 5; i++)
        {
            var (status, _) = await ReadyAsync(client);
            Assert.Equal(HttpStatusCode.OK, status);
        }
    }

    private GatewayFactory Gateway(string failureMode) => new(new Dictionary<string, string?>
    {
        ["ConnectionStrings:Redis"] = redis.ConnectionString,
        ["RateLimiting:RedisFailureMode"] = failureMode,
        ["RateLimiting:RedisRetrySeconds"] = "1",
    });

    private static async Task<(HttpStatusCode Status, HealthReport Report)> WaitForAsync(HttpClient client, string wanted)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var (status, report) = await ReadyAsync(client);
            if (report.Status == wanted)
            {
                return (status, report);
            }
            Assert.True(waited.Elapsed < FlipWithin, $"Readiness stayed {report.Status} for {FlipWithin.TotalSeconds} s, expected {wanted}.");
            await Task.Delay(200);
        }
    }

    private static async Task<(HttpStatusCode Status, HealthReport Report)> ReadyAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/healthz/ready");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = json.RootElement.GetProperty("checks").EnumerateObject().ToDictionary(
            c => c.Name,
            c => new CheckReport(c.Value.GetProperty("status").GetString()!, c.Value.GetProperty("description").GetString()!));
        return (response.StatusCode, new HealthReport(json.RootElement.GetProperty("status").GetString()!, checks));
    }

    private sealed record HealthReport(string Status, Dictionary<string, CheckReport> Checks);

    private sealed record CheckReport(string Status, string Description);
}
