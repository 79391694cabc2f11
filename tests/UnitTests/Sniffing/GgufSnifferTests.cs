using System.Buffers.Binary;
using ModelGateway.Policies;
using ModelGateway.Sniffing;
using ModelGateway.Testing;

namespace ModelGateway.UnitTests.Sniffing;

public sealed class GgufSnifferTests
{
    [Theory]
    [InlineData(3u)]
    [InlineData(2u)]
    public void Sniff_HeaderWithEveryValueType_ReadsNameAndNoFolderForALanguageModel(uint version)
    {
        var file = ModelFiles.Gguf("Tiny Llama 1.1B", "llama", version);

        var result = ContentSniffer.Sniff(file, file.Length, "tiny.gguf");

        Assert.Equal(SniffKind.Recognised, result.Kind);
        Assert.Equal(ModelFormat.GGUF, result.Format);
        Assert.Equal($"gguf-{version}", result.Signature);
        Assert.Equal("Tiny Llama 1.1B", result.Title);
        Assert.Null(result.Folder); // general.architecture "llama" is no diffusion model
    }

    [Fact]
    public void Sniff_NameWithBidiAndZeroWidthCharacters_TitleWithoutThem()
    {
        var file = ModelFiles.Gguf("Tiny\u200B Llama\u202E 1.1B\u2066", "llama");

        Assert.Equal("Tiny Llama 1.1B", ContentSniffer.Sniff(file, file.Length, "tiny.gguf").Title);
    }

    [Fact]
    public void Sniff_Version1_IsGgufWithoutReadingMetadata()
    {
        var result = ContentSniffer.Sniff(ModelFiles.Gguf("Old", "llama", version: 1));

        Assert.Equal(ModelFormat.GGUF, result.Format);
        Assert.Equal("gguf-1", result.Signature);
        Assert.Null(result.Title);
    }

    [Fact]
    public void Sniff_DiffusionArchitecture_IsDiffusionModel()
    {
        var file = ModelFiles.Gguf("FLUX.1 dev Q4", "flux");

        Assert.Equal("diffusion_models", ContentSniffer.Sniff(file).Folder);
    }

    [Fact]
    public void Sniff_NoName_IsGgufWithoutTitle()
    {
        var file = ModelFiles.Gguf(name: null);

        var result = ContentSniffer.Sniff(file);

        Assert.Equal(ModelFormat.GGUF, result.Format);
        Assert.Null(result.Title);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(4u)]
    [InlineData(0x46554747u)]
    public void Sniff_UnknownVersion_IsUnrecognised(uint version)
    {
        var file = ModelFiles.Gguf(version: version);

        Assert.Equal(SniffKind.Unrecognised, ContentSniffer.Sniff(file).Kind);
    }

    [Fact]
    public void Sniff_EveryTruncation_IsGgufOnceVersionIsRead()
    {
        var file = ModelFiles.Gguf("Truncated", "llama");

        for (var length = 0; length < file.Length; length++)
        {
            var result = ContentSniffer.Sniff(file.AsSpan(0, length));
            if (length < 8)
            {
                Assert.Equal(SniffKind.Undetermined, result.Kind);
                continue;
            }
            Assert.Equal(ModelFormat.GGUF, result.Format);
            Assert.True(result.Title is null or "Truncated", $"length {length}: {result.Title}");
        }
    }

    [Fact]
    public void Sniff_AbsurdCountsAndLengths_AllocatesNothing()
    {
        var head = new byte[4096];
        "GGUF"u8.CopyTo(head);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4), 3);
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(8), ulong.MaxValue); // tensor count
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(16), ulong.MaxValue); // kv count
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(24), 4); // key length
        "test"u8.CopyTo(head.AsSpan(32));
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(36), 9); // array
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(40), 8); // of strings
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(44), ulong.MaxValue); // claimed item count
        _ = ContentSniffer.Sniff(head);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = ContentSniffer.Sniff(head);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ModelFormat.GGUF, result.Format);
        Assert.True(allocated < 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Sniff_StringLongerThanBuffer_StopsWithoutThrowing()
    {
        var head = new byte[64];
        "GGUF"u8.CopyTo(head);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4), 3);
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(16), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(24), long.MaxValue); // key length

        Assert.Equal(ModelFormat.GGUF, ContentSniffer.Sniff(head).Format);
    }
}
