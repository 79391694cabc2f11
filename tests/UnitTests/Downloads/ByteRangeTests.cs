using Microsoft.Net.Http.Headers;
using ModelGateway.Downloads;

namespace ModelGateway.UnitTests.Downloads;

public sealed class ByteRangeTests
{
    [Theory]
    [InlineData("bytes=0-99", 1000L, 0L, 99L)]
    [InlineData("bytes=500-", 1000L, 500L, 999L)]
    [InlineData("bytes=500-5000", 1000L, 500L, 999L)] // an end past the file is cut to its last byte
    [InlineData("bytes=-100", 1000L, 900L, 999L)]
    [InlineData("bytes=-5000", 1000L, 0L, 999L)]
    [InlineData("bytes=10-20", null, 10L, 20L)]
    [InlineData("BYTES=10-20", null, 10L, 20L)]
    public void FromRequest_OneRange_Resolved(string header, long? size, long from, long to)
    {
        var range = ByteRange.FromRequest(RangeHeaderValue.Parse(header), size, out var unsatisfiable);

        Assert.False(unsatisfiable);
        Assert.Equal(new ByteRange(from, to), range);
    }

    [Fact]
    public void FromRequest_OpenRangeOfAnUnknownSize_StaysOpen()
    {
        Assert.Equal(new ByteRange(10, null), ByteRange.FromRequest(RangeHeaderValue.Parse("bytes=10-"), null, out _));
    }

    [Theory]
    [InlineData("bytes=0-1,5-6", 1000L)] // several ranges: the whole file
    [InlineData("items=0-1", 1000L)]     // another unit
    [InlineData("bytes=-100", null)]     // a suffix of a file whose size nobody knows
    public void FromRequest_NotServedAsARange_WholeFile(string header, long? size)
    {
        Assert.Null(ByteRange.FromRequest(RangeHeaderValue.Parse(header), size, out var unsatisfiable));
        Assert.False(unsatisfiable);
    }

    [Fact]
    public void FromRequest_NoHeader_WholeFile()
    {
        Assert.Null(ByteRange.FromRequest(null, 1000, out var unsatisfiable));
        Assert.False(unsatisfiable);
    }

    [Theory]
    [InlineData("bytes=1000-", 1000L)]
    [InlineData("bytes=-0", 1000L)]
    [InlineData("bytes=0-", 0L)]
    public void FromRequest_NoByteAtTheStart_Unsatisfiable(string header, long size)
    {
        Assert.Null(ByteRange.FromRequest(RangeHeaderValue.Parse(header), size, out var unsatisfiable));
        Assert.True(unsatisfiable);
    }

    [Theory]
    [InlineData(0L, 0L, 0L, 102399L)]
    [InlineData(1000L, 1999L, 0L, 102399L)]
    [InlineData(50L, 200000L, 0L, 200000L)]
    [InlineData(102399L, 102400L, 0L, 102400L)]
    [InlineData(102400L, 102500L, 102400L, 102500L)] // past the head: asked as it is
    public void WidenedToHead_StartInTheHead_FromZeroAndCoveringIt(long from, long to, long askedFrom, long askedTo)
    {
        Assert.Equal(new ByteRange(askedFrom, askedTo), new ByteRange(from, to).WidenedToHead(102_400));
    }

    [Fact]
    public void WidenedToHead_OpenRange_StaysOpen()
    {
        Assert.Equal(new ByteRange(0, null), new ByteRange(10, null).WidenedToHead(102_400));
    }
}
