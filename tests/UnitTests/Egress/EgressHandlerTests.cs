using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Egress;

namespace ModelGateway.UnitTests.Egress;

public sealed class EgressHandlerTests
{
    [Fact]
    public void AddEgress_Defaults_HardenedHandler()
    {
        using var services = Services([]);

        var handler = PrimaryHandler(services);

        Assert.False(handler.AllowAutoRedirect);
        Assert.Equal(DecompressionMethods.None, handler.AutomaticDecompression);
        Assert.False(handler.UseCookies);
        Assert.False(handler.UseProxy); // never HTTP(S)_PROXY from the environment
        Assert.Null(handler.Proxy);
        Assert.NotNull(handler.ConnectCallback);
        Assert.Equal(TimeSpan.FromSeconds(5), handler.ConnectTimeout);
        Assert.Equal(64, handler.MaxResponseHeadersLength);
        Assert.Equal(64 * 1024, handler.MaxResponseDrainSize);
    }

    [Fact]
    public void AddEgress_Configured_ProxyAndBoundsApplied()
    {
        using var services = Services(new()
        {
            ["Egress:ProxyUrl"] = "http://egress-proxy.corp:4750",
            ["Egress:ConnectTimeoutSeconds"] = "2",
            ["Egress:MaxResponseHeadersKiB"] = "16",
        });

        var handler = PrimaryHandler(services);

        Assert.True(handler.UseProxy);
        Assert.Equal(new Uri("http://egress-proxy.corp:4750/"), handler.Proxy!.GetProxy(new Uri("https://example.com/")));
        Assert.Equal(TimeSpan.FromSeconds(2), handler.ConnectTimeout);
        Assert.Equal(16, handler.MaxResponseHeadersLength);
        Assert.True(services.GetRequiredService<EgressHopGuard>().IsTrustedOrigin("egress-proxy.corp", 4750));
    }

    [Fact]
    public async Task SendAsync_ConnectNeverCompletes_TimeoutAfterConnectTimeoutSeconds()
    {
        using var services = Services(new()
        {
            ["Egress:ConnectTimeoutSeconds"] = "1",
            ["Egress:TimeoutSeconds"] = "30",
        }, new HangingResolver());
        var client = services.GetRequiredService<EgressClient>();
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            client.SendAsync(new EgressRequest(HttpMethod.Head, new Uri("https://slow-dns.example.com/m")) { BlockedHosts = [] }, CancellationToken.None));

        Assert.Equal(EgressFailure.Timeout, ex.Failure);
        Assert.Equal("Connecting to \"slow-dns.example.com\" timed out.", ex.Message);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings, IEgressResolver? resolver = null)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging();
        if (resolver is not null)
        {
            services.AddSingleton(resolver);
        }
        return services.AddEgress().BuildServiceProvider();
    }

    /// <summary>A name server that never answers: only the connect timeout ends the wait.</summary>
    private sealed class HangingResolver : IEgressResolver
    {
        public async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return [];
        }
    }

    private static SocketsHttpHandler PrimaryHandler(ServiceProvider services)
    {
        HttpMessageHandler handler = services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(nameof(EgressClient));
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler!;
        }
        return Assert.IsType<SocketsHttpHandler>(handler);
    }
}
