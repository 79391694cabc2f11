using ModelGateway.Policies;
using ModelGateway.Sniffing;
using ModelGateway.Testing;

namespace ModelGateway.UnitTests.Sniffing;

public sealed class ContentSnifferTests
{
    [Fact]
    public void Sniff_RandomBytes_NeverThrowsAndBoundsMemory()
    {
        var random = new Random(20261126);
        var head = new byte[ContentSniffer.HeadBytes];
        for (var i = 0; i < 2000; i++)
        {
            random.NextBytes(head);
            var length = random.Next(head.Length + 1);
            long? size = random.Next(3) == 0 ? null : random.NextInt64(length, long.MaxValue);

            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = ContentSniffer.Sniff(head.AsSpan(0, length), size, "x.safetensors");
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.NotEqual(ModelFormat.SafeTensor, result.Format);
            Assert.True(allocated < 64 * 1024, $"iteration {i}: allocated {allocated} bytes");
        }
    }

    [Fact]
    public void Sniff_RandomBytesAfterEachMagic_NeverThrows()
    {
        var random = new Random(5);
        byte[][] magics = [[.. "GGUF"u8, 3, 0, 0, 0], [.. "PK\x03\x04"u8], [0x80, 0x04], [0x10, 0, 0, 0, 0, 0, 0, 0, (byte)'{']];
        foreach (var magic in magics)
        {
            for (var i = 0; i < 500; i++)
            {
                var head = new byte[random.Next(magic.Length, 4096)];
                random.NextBytes(head);
                magic.CopyTo(head, 0);

                var result = ContentSniffer.Sniff(head);

                Assert.True(Enum.IsDefined(result.Kind));
            }
        }
    }

    [Fact]
    public void Sniff_Empty_IsUndeterminedUnlessTheFileIsEmpty()
    {
        Assert.Equal(SniffKind.Undetermined, ContentSniffer.Sniff([]).Kind);
        Assert.Equal(SniffKind.Unrecognised, ContentSniffer.Sniff([], 0).Kind);
    }

    [Fact]
    public void Sniff_ShortWholeFile_IsUnrecognised()
    {
        Assert.Equal(SniffKind.Unrecognised, ContentSniffer.Sniff("abc"u8, 3).Kind);
        Assert.Equal(SniffKind.Undetermined, ContentSniffer.Sniff("abc"u8, 100).Kind);
    }

    [Fact]
    public void Sniff_Npy_IsOther()
    {
        var result = ContentSniffer.Sniff(ModelFiles.Npy());

        Assert.Equal(ModelFormat.Other, result.Format);
        Assert.Equal("numpy", result.Signature);
    }

    [Theory]
    [InlineData("<!DOCTYPE html><html><body>Log in</body></html>", "html")]
    [InlineData("\n  <html lang=\"en\"><head></head></html>", "html")]
    public void Sniff_HtmlPage_IsOther(string page, string signature)
    {
        var result = ContentSniffer.Sniff(System.Text.Encoding.UTF8.GetBytes(page));

        Assert.Equal(ModelFormat.Other, result.Format);
        Assert.Equal(signature, result.Signature);
    }

    [Fact]
    public void Sniff_Gzip_IsOther()
    {
        Assert.Equal("gzip", ContentSniffer.Sniff([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]).Signature);
    }

    [Fact]
    public void Sniff_OnnxByExtension_IsOnnx()
    {
        // ModelProto: ir_version = 8 (field 1, varint), producer_name = "pytorch" (field 2, length-delimited).
        byte[] head = [0x08, 0x08, 0x12, 0x07, .. "pytorch"u8];

        Assert.Equal(ModelFormat.ONNX, ContentSniffer.Sniff(head, head.Length, "model.onnx").Format);
        Assert.Equal(SniffKind.Unrecognised, ContentSniffer.Sniff(head, head.Length, "model.bin").Kind);
    }

    [Fact]
    public void Sniff_TrailingBytesBeyondTotalSize_AreIgnored()
    {
        var file = ModelFiles.SafeTensors();
        byte[] head = [.. file, .. new byte[100]];

        Assert.Equal(ModelFormat.SafeTensor, ContentSniffer.Sniff(head, file.Length).Format);
    }
}
