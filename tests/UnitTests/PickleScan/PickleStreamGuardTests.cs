using System.Security.Cryptography;
using ModelGateway.Downloads;
using ModelGateway.PickleScan;
using ModelGateway.Policies;
using ModelGateway.Testing;

namespace ModelGateway.UnitTests.PickleScan;

public sealed class PickleStreamGuardTests
{
    private static readonly byte[] File = PickleBypasses.BenignZip();
    private static readonly PickleScanReport Report = PickleFileScanner.ScanBytes(File);
    private static readonly AssetFacts Facts = new() { Format = ModelFormat.PickleTensor, PickleReport = Report, ContentLength = File.Length };

    private static CopyPlan Plan(long from, long? to) => new(0, null, from, to, null, null, 0);

    [Fact]
    public void HeadBytes_CoversTheScannedPrefix()
    {
        Assert.Equal(102_400, PickleStreamGuard.HeadBytes(Facts, 102_400));
        Assert.Equal((int)Report.PrefixLength, PickleStreamGuard.HeadBytes(Facts, 16));
        Assert.Equal(16, PickleStreamGuard.HeadBytes(new AssetFacts(), 16));
    }

    [Fact]
    public void HeadGate_PassesTheScannedBytesOnly()
    {
        var gate = PickleStreamGuard.HeadGate(Facts)!;
        var changed = (byte[])File.Clone();
        changed[70] ^= 1;

        Assert.Null(gate(File));
        Assert.Equal("UNSAFE_PICKLE_SCAN", gate(changed)!.Error.Code);
        Assert.Equal(403, gate(File.AsMemory(0, 10))!.Error.StatusCode);
    }

    [Theory]
    [InlineData(0L, null, true)]
    [InlineData(100L, null, true)]
    [InlineData(0L, 99L, true)]
    [InlineData(-1L, null, false)] // from inside the directory
    [InlineData(0L, -2L, false)] // to inside the directory
    public void RangeRefusal_OnlyWholeDirectories(long from, long? to, bool allowed)
    {
        var central = Report.CentralDirectoryOffset!.Value;
        var plan = Plan(from < 0 ? central + 5 : from, to is -2 ? central + 5 : to);

        Assert.Equal(allowed, PickleStreamGuard.RangeRefusal(Facts, plan) is null);
    }

    [Fact]
    public async Task TailHoldingStream_WritesTheTailOnlyWhenItHashesAsScanned()
    {
        var central = Report.CentralDirectoryOffset!.Value;
        using var good = new MemoryStream();
        await WriteInChunksAsync(PickleStreamGuard.Wrap(good, Facts, Plan(0, null)), File);
        Assert.Equal(File, good.ToArray());

        var altered = (byte[])File.Clone();
        altered[^30] ^= 1;
        using var bad = new MemoryStream();
        await Assert.ThrowsAsync<PickleTailMismatchException>(() => WriteInChunksAsync(PickleStreamGuard.Wrap(bad, Facts, Plan(0, null)), altered));
        Assert.Equal(File[..(int)central], bad.ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.AsSpan((int)central))), Report.CentralDirectorySha256);
    }

    private static async Task WriteInChunksAsync(Stream stream, byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i += 100)
        {
            await stream.WriteAsync(bytes.AsMemory(i, Math.Min(100, bytes.Length - i)));
        }
    }
}
