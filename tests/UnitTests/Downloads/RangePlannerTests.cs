using ModelGateway.Downloads;

namespace ModelGateway.UnitTests.Downloads;

public sealed class RangePlannerTests
{
    [Fact]
    public void Plan_WholeBody_WholeFileWithItsHashAndSize()
    {
        var plan = RangePlanner.Plan(wanted: null, new HostBody(0, 999, 1000, Ranged: false), 1000, "abc", maxSize: 5000);

        Assert.Equal(new CopyPlan(0, 999, 0, null, "abc", 1000, 5000), plan);
    }

    [Fact]
    public void Plan_WidenedRange_ClientGetsItsOwnPartWithoutHashOrSize()
    {
        var plan = RangePlanner.Plan(new ByteRange(500, 700), new HostBody(0, 102_399, 200_000, Ranged: true), 200_000, "abc", 0);

        Assert.Equal(new CopyPlan(0, 102_399, 500, 700, null, null, 0), plan);
    }

    [Fact]
    public void Plan_RangeCoveringTheWholeFile_CheckedAsWholeButNotHashed()
    {
        var plan = RangePlanner.Plan(new ByteRange(0, null), new HostBody(0, 999, 1000, Ranged: true), 1000, "abc", 0);

        Assert.Equal(new CopyPlan(0, 999, 0, 999, null, 1000, 0), plan);
    }

    [Fact]
    public void Plan_HostsPartEndsEarlier_CutToItsEnd()
    {
        var plan = RangePlanner.Plan(new ByteRange(200_000, null), new HostBody(200_000, 250_000, null, Ranged: true), null, null, 0);

        Assert.Equal(new CopyPlan(200_000, 250_000, 200_000, 250_000, null, null, 0), plan);
    }

    [Fact]
    public void Plan_FileEndsBeforeThePartAsked_Unsatisfiable()
    {
        Assert.Null(RangePlanner.Plan(new ByteRange(5000, null), new HostBody(0, 999, null, Ranged: true), null, null, 0));
    }

    [Theory]
    [InlineData(500L, 700L, 0L, 102_399L)]        // inside the head: widened to cover it
    [InlineData(200_000L, 300_000L, 200_000L, 300_000L)] // past the head: asked as it is
    public void ToAsk_RangeAgainstTheHead(long from, long to, long askedFrom, long askedTo)
    {
        Assert.Equal(new ByteRange(askedFrom, askedTo), RangePlanner.ToAsk(new ByteRange(from, to), 100 * 1024));
    }
}
