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

    private static ServiceProvider Services(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging()
            .AddEgress()
            .BuildServiceProvider();

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
