using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.RateLimiting;
using ModelGateway.UnitTests.Egress;
using ModelGateway.Redis;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class RateLimitDecisionMiddlewareTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RedisConnection _noRedis;
    private readonly MemorySlidingWindows _memory;
    private readonly RateLimitDecisionMiddleware _middleware;
    private int _nextCalls;

    public RateLimitDecisionMiddlewareTests()
    {
        var options = new StaticOptionsMonitor<RateLimitingOptions>(new RateLimitingOptions { PermitLimit = 2 });
        var redisOptions = Options.Create(new RedisOptions());
        var health = new RedisCircuit(redisOptions, Options.Create(new RedisCircuitOptions()), _time, NullLogger<RedisCircuit>.Instance);
        _noRedis = new RedisConnection(redisOptions, health, NullLogger<RedisConnection>.Instance);
        _memory = new MemorySlidingWindows(() => options.CurrentValue.Window, _time);
        var limiter = new GatewayRateLimiter(options, health, new RedisSlidingWindow(_noRedis), _memory);
        _middleware = new RateLimitDecisionMiddleware(_ => { _nextCalls++; return Task.CompletedTask; }, limiter, options);
    }

    public void Dispose()
    {
        _memory.Dispose();
        _noRedis.Dispose();
    }

    [Fact]
    public async Task InvokeAsync_PerKeyEndpointWithoutRedis_DecidesSynchronouslyAndWritesHeadersWhenTheResponseStarts()
    {
        var (first, _) = Request(new EnableRateLimitingAttribute("per-key"));
        var (second, secondResponse) = Request(new EnableRateLimitingAttribute("per-key"));
        var (third, thirdResponse) = Request(new EnableRateLimitingAttribute("per-key"));

        var invocations = new[] { first, second, third }.Select(_middleware.InvokeAsync).ToList();
        await secondResponse.StartAsync();
        _time.Advance(TimeSpan.FromSeconds(20));
        await thirdResponse.StartAsync();

        Assert.All(invocations, i => Assert.True(i.IsCompletedSuccessfully));
        Assert.Equal(3, _nextCalls); // the built-in middleware after this step enforces the decision
        Assert.Equal(RateLimitOutcome.Permitted, first.Features.Get<RateLimitDecision>()!.Outcome);
        Assert.Equal("\"per-key\";q=2;w=60", second.Response.Headers["RateLimit-Policy"].ToString());
        Assert.Equal("\"per-key\";r=0;t=60", second.Response.Headers["RateLimit"].ToString());
        Assert.Equal(RateLimitOutcome.Limited, third.Features.Get<RateLimitDecision>()!.Outcome);
        Assert.Equal("60", third.Response.Headers["Retry-After"].ToString());
    }

    [Fact]
    public async Task InvokeAsync_EndpointNotLimitedPerKey_NothingDecidedOrWritten()
    {
        var (context, response) = Request(new DisableRateLimitingAttribute(), new EnableRateLimitingAttribute("per-key"));

        await _middleware.InvokeAsync(context);
        await response.StartAsync();

        Assert.Equal(1, _nextCalls);
        Assert.Null(context.Features.Get<RateLimitDecision>());
        Assert.False(context.Response.Headers.ContainsKey("RateLimit-Policy"));
        Assert.Equal(0, _memory.Count);
    }

    [Fact]
    public void IsLimitedPerKey_EndpointMetadata_AsTheBuiltInMiddlewareChoosesThePolicy()
    {
        Assert.True(RateLimitDecisionMiddleware.IsLimitedPerKey(Endpoint(new EnableRateLimitingAttribute("per-key"))));
        Assert.False(RateLimitDecisionMiddleware.IsLimitedPerKey(null));
        Assert.False(RateLimitDecisionMiddleware.IsLimitedPerKey(Endpoint()));
        Assert.False(RateLimitDecisionMiddleware.IsLimitedPerKey(Endpoint(new EnableRateLimitingAttribute("other"))));
        Assert.False(RateLimitDecisionMiddleware.IsLimitedPerKey(Endpoint(new EnableRateLimitingAttribute("per-key"), new DisableRateLimitingAttribute())));
        // The last metadata wins, as for routing: a group's per-key overridden by an endpoint's own policy.
        Assert.False(RateLimitDecisionMiddleware.IsLimitedPerKey(Endpoint(new EnableRateLimitingAttribute("per-key"), new EnableRateLimitingAttribute("other"))));
    }

    private static (DefaultHttpContext Context, StartableResponse Response) Request(params object[] metadata)
    {
        var response = new StartableResponse();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);
        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "team-a")], "ApiKey"));
        context.SetEndpoint(Endpoint(metadata));
        return (context, response);
    }

    private static Endpoint Endpoint(params object[] metadata) =>
        new(_ => Task.CompletedTask, new EndpointMetadataCollection(metadata), "test");

    /// <summary>A response feature that runs its OnStarting callbacks when told to, as a server does on first write.</summary>
    private sealed class StartableResponse : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _onStarting = [];

        public override void OnStarting(Func<object, Task> callback, object state) => _onStarting.Add((callback, state));

        public async Task StartAsync()
        {
            foreach (var (callback, state) in Enumerable.Reverse(_onStarting))
            {
                await callback(state);
            }
        }
    }
}
