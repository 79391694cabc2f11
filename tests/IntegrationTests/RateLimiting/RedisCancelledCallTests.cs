using System.Net;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Redis;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.RateLimiting;

/// <summary>
/// A limiter call Redis never answers because the connection closes under it ends in a cancelled task or a reader
/// error (what StackExchange.Redis does with the commands in flight). That is a Redis failure like any other: the fail
/// mode applies, never a 500.
/// </summary>
public sealed class RedisCancelledCallTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("FailClosed", HttpStatusCode.ServiceUnavailable)]
    [InlineData("FailOpen", HttpStatusCode.OK)]
    public async Task LimiterCallCancelledInFlight_TheFailModeAnswers(string failureMode, HttpStatusCode expected)
    {
        // Row 8 of the fail-closed review: 1 in 4 first requests after a restart got a 500.
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogCollector();
        await using var gateway = LoopbackGateway.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["RateLimiting:RedisFailureMode"] = failureMode,
        }, new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider(logs));
        using var client = gateway.Client(TestKeys.Default);
        using (var warm = await client.GetAsync("/api/assets/policy"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode); // counted in Redis: the connection is up
        }
        var multiplexer = gateway.Services.GetRequiredService<RedisConnection>().Multiplexer!;
        // Redis holds every command of this connection for 3 s; the connection then closes under the limiter's call.
        await multiplexer.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "3000", "ALL");

        var request = client.GetAsync("/api/assets/policy");
        await Task.Delay(300); // the limiter's script call now waits on the paused server
        multiplexer.Close(allowCommandsToComplete: false);
        using var response = await request;

        Assert.Equal(expected, response.StatusCode);
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
        if (expected != HttpStatusCode.OK)
        {
            Assert.Equal("SERVICE_UNAVAILABLE", (await ErrorAsync(response)).Code);
        }
    }
}
