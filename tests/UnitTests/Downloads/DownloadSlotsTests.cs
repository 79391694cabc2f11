using ModelGateway.Downloads;

namespace ModelGateway.UnitTests.Downloads;

public sealed class DownloadSlotsTests
{
    [Fact]
    public void TryTake_UpToTheLimitPerCaller_ThenNullUntilOneIsGivenBack()
    {
        var slots = new DownloadSlots();
        var taken = Enumerable.Range(0, 4).Select(_ => slots.TryTake("key:a", 4)).ToList();

        Assert.All(taken, Assert.NotNull);
        Assert.Null(slots.TryTake("key:a", 4));
        Assert.NotNull(slots.TryTake("key:b", 4));
        taken[0]!.Dispose();
        taken[0]!.Dispose(); // given back once: one slot frees, not two
        Assert.NotNull(slots.TryTake("key:a", 4));
        Assert.Null(slots.TryTake("key:a", 4));
    }

    [Fact]
    public async Task TryTake_ConcurrentCallers_NeverMoreThanTheLimit()
    {
        var slots = new DownloadSlots();
        var open = 0;
        var most = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                using var slot = slots.TryTake("key:a", 3);
                if (slot is null)
                {
                    continue;
                }
                var now = Interlocked.Increment(ref open);
                InterlockedMax(ref most, now);
                Interlocked.Decrement(ref open);
            }
        })));

        Assert.InRange(most, 1, 3);
        var all = Enumerable.Range(0, 3).Select(_ => slots.TryTake("key:a", 3)).ToList(); // every slot was given back
        Assert.All(all, Assert.NotNull);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
