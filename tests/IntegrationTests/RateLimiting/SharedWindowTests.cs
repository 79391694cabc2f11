using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using ModelGateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace ModelGateway.IntegrationTests.RateLimiting;

/// <summary>
/// What the Redis window costs and guarantees: at most one command per request, exact counts across replicas under
/// concurrency, Redis's clock rather than the replicas', and keys that name the partition, never the key.
/// </summary>
public sealed class SharedWindowTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly byte[] OneKiB = Encoding.ASCII.GetBytes(new string('m', 1024));
    private FakeHost _upstream = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _upstream = await FakeHost.StartAsync((app, _) =>
            app.MapGet("/models/{name}", (HttpContext c) => c.Response.Body.WriteAsync(OneKiB).AsTask()));
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task ForwardedRoute_EachRateLimitedRequest_ExactlyOneRedisCommand()
    {
        const int requests = 25;
        await using var gateway = Gateway(("RateLimiting:PermitLimit", "20"));
        using var client = gateway.CreateClient(TestKeys.Default);
        // The first request connects and loads the script (SCRIPT LOAD + EVALSHA); every later one is one EVALSHA.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fake/models/warm-up")).StatusCode);
        var evalshaBefore = await CommandCallsAsync("evalsha");

        await using var monitor = await RedisMonitor.StartAsync(redis.ConnectionString);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < requests; i++)
        {
            using var response = await client.GetAsync("/fake/models/a.safetensors");
            statuses.Add(response.StatusCode);
        }
        var sentByClients = await monitor.StopAsync();

        Assert.Equal(
            Enumerable.Repeat(HttpStatusCode.OK, 19).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, requests - 19)),
            statuses);
        // MONITOR lists what clients sent (the script's own calls show as "lua" and are left out): one EVALSHA each,
        // for permitted and refused requests alike, and nothing else. The recent-decisions store's background XADD of
        // a sampled refusal's audit event (Decisions) is not the limiter's.
        Assert.Equal(Enumerable.Repeat("EVALSHA", requests), sentByClients.Where(command => command != "XADD"));
        Assert.Equal(requests, await CommandCallsAsync("evalsha") - evalshaBefore);
        Assert.Equal(20, _upstream.RequestsTo("/models/").Count());
    }

    [Fact]
    public async Task ForwardedRoute_TwoReplicasConcurrently_ExactlyTheLimitPermittedInTotal()
    {
        await using var replicaA = Gateway(("RateLimiting:PermitLimit", "10"));
        await using var replicaB = Gateway(("RateLimiting:PermitLimit", "10"));
        using var clientA = replicaA.CreateClient(TestKeys.Default);
        using var clientB = replicaB.CreateClient(TestKeys.Default);
        Assert.Equal(HttpStatusCode.OK, (await clientA.GetAsync("/fake/models/warm-up")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await clientB.GetAsync("/fake/models/warm-up")).StatusCode);

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? clientA : clientB).GetAsync("/fake/models/a.safetensors");
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta);
        }));

        Assert.Equal(8, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(32, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.All(responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests),
            r => Assert.InRange(r.RetryAfter!.Value.TotalSeconds, 58, 60));
    }

    [Fact]
    public async Task ForwardedRoute_ConcurrentRequestsOfOneKey_CountedTogetherInOneCall_ExactlyTheLimitPermitted()
    {
        const int requests = 100;
        await using var gateway = Gateway(("RateLimiting:PermitLimit", "50"));
        using var client = gateway.CreateClient(TestKeys.Default);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fake/models/warm-up")).StatusCode);
        var evalshaBefore = await CommandCallsAsync("evalsha");

        // Redis holds every command for 600 ms (under the gateway's 1 s command timeout): the first request's call
        // waits in Redis while the other 99 arrive and queue behind it.
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "600", "ALL");
        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(async _ =>
        {
            using var response = await client.GetAsync("/fake/models/a.safetensors");
            return (response.StatusCode, RateLimit: Header(response, "RateLimit"));
        }));

        // Two calls: the first request's, then one counting the 99 that waited for it.
        Assert.Equal(2, await CommandCallsAsync("evalsha") - evalshaBefore);
        var permitted = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Equal(49, permitted.Count);
        Assert.Equal(51, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        // Each permitted request was counted on its own: the remaining quotas are 48 down to 0, once each.
        Assert.Equal(Enumerable.Range(0, 49).Reverse(),
            permitted.Select(r => int.Parse(r.RateLimit!.Split(';')[1]["r=".Length..], System.Globalization.CultureInfo.InvariantCulture)).OrderDescending());
        Assert.Equal(50, await admin.GetDatabase().SortedSetLengthAsync("model-gateway-ratelimit:{key:default-team}"));
        Assert.Equal(50, _upstream.RequestsTo("/models/").Count());
    }

    [Fact]
    public async Task ForwardedRoute_ReplicaClockAnHourAhead_SameWindowAndResetAsTheOther()
    {
        await using var punctual = Gateway(("RateLimiting:PermitLimit", "3"));
        await using var ahead = Gateway(("RateLimiting:PermitLimit", "3"));
        await using var aheadClock = ahead.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
            services.AddSingleton<TimeProvider>(new SkewedTimeProvider(TimeSpan.FromHours(1)))));
        using var clientA = punctual.CreateClient(TestKeys.Default);
        using var clientB = aheadClock.CreateClient();
        clientB.DefaultRequestHeaders.Add("X-API-Key", TestKeys.Default);

        using var first = await clientA.GetAsync("/fake/models/a.safetensors");
        using var second = await clientB.GetAsync("/fake/models/a.safetensors");
        using var third = await clientB.GetAsync("/fake/models/a.safetensors");
        using var refusedAhead = await clientB.GetAsync("/fake/models/a.safetensors");
        using var refusedPunctual = await clientA.GetAsync("/fake/models/a.safetensors");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], new[] { first, second, third }.Select(r => r.StatusCode));
        Assert.Equal("\"per-key\";r=2;t=60", Header(first, "RateLimit"));
        Assert.Matches("^\"per-key\";r=1;t=(59|60)$", Header(second, "RateLimit"));
        Assert.Matches("^\"per-key\";r=0;t=(59|60)$", Header(third, "RateLimit"));
        foreach (var refused in new[] { refusedAhead, refusedPunctual })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 58, 60);
        }
    }

    [Fact]
    public async Task RedisKeys_NameThePartitionNeverTheKey_KeysNeverExpireAddressesExpireWithTheWindow()
    {
        await using var gateway = Gateway(("RateLimiting:WindowSeconds", "30"));
        using var keyed = gateway.CreateClient(TestKeys.Strict);
        using var anonymous = gateway.CreateClient(apiKey: null);

        Assert.Equal(HttpStatusCode.OK, (await keyed.GetAsync("/fake/models/a.safetensors")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await keyed.GetAsync("/open/models/a.safetensors")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/open/models/a.safetensors")).StatusCode);

        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        var keys = server.Keys(pattern: "*").Select(k => k.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["model-gateway-ratelimit:{ip:unknown}", "model-gateway-ratelimit:{key:strict-team}"], keys);
        Assert.Equal(2, await admin.GetDatabase().SortedSetLengthAsync("model-gateway-ratelimit:{key:strict-team}"));
        // A configured key's counter never expires (a volatile-* eviction policy can never evict it); an address's does.
        Assert.Null(await admin.GetDatabase().KeyTimeToLiveAsync("model-gateway-ratelimit:{key:strict-team}"));
        Assert.InRange((await admin.GetDatabase().KeyTimeToLiveAsync("model-gateway-ratelimit:{ip:unknown}"))!.Value.TotalSeconds, 28, 30);
    }

    private GatewayFactory Gateway(params (string Key, string? Value)[] settings)
    {
        var merged = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            // A forwarded route to the fake host with nothing but the key check and the limiter: no cache, no policy.
            ["ReverseProxy:Routes:fake:ClusterId"] = "fake",
            ["ReverseProxy:Routes:fake:AuthorizationPolicy"] = "ApiKey",
            ["ReverseProxy:Routes:fake:RateLimiterPolicy"] = "per-key",
            ["ReverseProxy:Routes:fake:Match:Path"] = "/fake/{**rest}",
            ["ReverseProxy:Routes:fake:Transforms:0:PathRemovePrefix"] = "/fake",
            ["ReverseProxy:Routes:open:ClusterId"] = "fake",
            ["ReverseProxy:Routes:open:AuthorizationPolicy"] = "Anonymous",
            ["ReverseProxy:Routes:open:RateLimiterPolicy"] = "per-key",
            ["ReverseProxy:Routes:open:Match:Path"] = "/open/{**rest}",
            ["ReverseProxy:Routes:open:Transforms:0:PathRemovePrefix"] = "/open",
            ["ReverseProxy:Clusters:fake:Destinations:upstream:Address"] = _upstream.BaseUri.AbsoluteUri,
        };
        foreach (var (key, value) in settings)
        {
            merged[key] = value;
        }
        return new GatewayFactory(merged);
    }

    private async Task<long> CommandCallsAsync(string command)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var stats = await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync("commandstats");
        var line = stats.SelectMany(g => g).SingleOrDefault(p => p.Key == "cmdstat_" + command).Value;
        // "calls=25,usec=…"
        return line is null ? 0 : long.Parse(line.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    /// <summary>A replica whose wall clock is off by <paramref name="offset"/>.</summary>
    private sealed class SkewedTimeProvider(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
    }

    /// <summary>
    /// Redis's MONITOR on a raw connection: the commands clients send, one line each. Stopping sends a marker from
    /// another raw connection and reads up to it, so every command sent before is in.
    /// </summary>
    private sealed class RedisMonitor : IAsyncDisposable
    {
        private const string Marker = "monitor-stop-marker";
        private readonly TcpClient _connection;
        private readonly StreamReader _reader;
        private readonly EndPoint _endPoint;
        private readonly string? _password;

        private RedisMonitor(TcpClient connection, EndPoint endPoint, string? password)
        {
            _connection = connection;
            _reader = new StreamReader(connection.GetStream(), Encoding.UTF8);
            _endPoint = endPoint;
            _password = password;
        }

        public static async Task<RedisMonitor> StartAsync(string connectionString)
        {
            var options = ConfigurationOptions.Parse(connectionString);
            var endPoint = options.EndPoints[0];
            var monitor = new RedisMonitor(await ConnectAsync(endPoint, options.Password), endPoint, options.Password);
            await SendAsync(monitor._connection, "MONITOR");
            Assert.Equal("+OK", await monitor._reader.ReadLineAsync());
            return monitor;
        }

        /// <summary>Names of the commands clients sent since the start, in order (script calls and the marker left out).</summary>
        public async Task<IReadOnlyList<string>> StopAsync()
        {
            using (var other = await ConnectAsync(_endPoint, _password))
            {
                await SendAsync(other, "ECHO", Marker);
            }
            var commands = new List<string>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await _reader.ReadLineAsync(timeout.Token) is { } line && !line.Contains(Marker, StringComparison.Ordinal))
            {
                // +1700000000.123456 [0 127.0.0.1:53422] "EVALSHA" "…" …   (a script's own calls: [0 lua])
                var source = line[(line.IndexOf('[', StringComparison.Ordinal) + 1)..line.IndexOf(']', StringComparison.Ordinal)];
                if (!source.EndsWith(" lua", StringComparison.Ordinal))
                {
                    var command = line[(line.IndexOf("] \"", StringComparison.Ordinal) + 3)..];
                    commands.Add(command[..command.IndexOf('"', StringComparison.Ordinal)].ToUpperInvariant());
                }
            }
            return commands;
        }

        public ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _connection.Dispose();
            return ValueTask.CompletedTask;
        }

        private static async Task<TcpClient> ConnectAsync(EndPoint endPoint, string? password)
        {
            var client = new TcpClient();
            switch (endPoint)
            {
                case DnsEndPoint dns:
                    await client.ConnectAsync(dns.Host, dns.Port);
                    break;
                case IPEndPoint ip:
                    await client.ConnectAsync(ip);
                    break;
                default:
                    throw new NotSupportedException(endPoint.ToString());
            }
            if (password is not null)
            {
                await SendAsync(client, "AUTH", password);
                var reply = new byte[5];
                await client.GetStream().ReadExactlyAsync(reply);
                Assert.Equal("+OK\r\n", Encoding.ASCII.GetString(reply));
            }
            return client;
        }

        private static async Task SendAsync(TcpClient client, params string[] arguments)
        {
            var command = new StringBuilder().Append('*').Append(arguments.Length).Append("\r\n");
            foreach (var argument in arguments)
            {
                command.Append('$').Append(Encoding.UTF8.GetByteCount(argument)).Append("\r\n").Append(argument).Append("\r\n");
            }
            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(command.ToString()));
        }
    }
}
