using Microsoft.Extensions.Options;
using ModelGateway.ForwardProxy;

namespace ModelGateway.UnitTests.ForwardProxy;

public sealed class ProxyTunnelSlotsTests
{
    [Fact]
    public void TryAcquire_UpToTheLimitPerKey_FreedOnDisposeOnce()
    {
        var slots = new ProxyTunnelSlots(Options.Create(new ForwardProxyOptions { MaxTunnelsPerKey = 2 }));

        var first = slots.TryAcquire("a");
        var second = slots.TryAcquire("a");
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(slots.TryAcquire("a"));
        Assert.NotNull(slots.TryAcquire("b"));

        first.Dispose();
        first.Dispose();
        Assert.Equal(1, slots.OpenFor("a"));
        Assert.NotNull(slots.TryAcquire("a"));
        Assert.Null(slots.TryAcquire("a"));
    }

    [Fact]
    public async Task TryAcquire_Concurrent_NeverMoreThanTheLimit()
    {
        var slots = new ProxyTunnelSlots(Options.Create(new ForwardProxyOptions { MaxTunnelsPerKey = 5 }));

        var acquired = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => slots.TryAcquire("k"))));

        Assert.Equal(5, acquired.Count(a => a is not null));
        foreach (var slot in acquired)
        {
            slot?.Dispose();
        }
        Assert.Equal(0, slots.OpenFor("k"));
    }
}
