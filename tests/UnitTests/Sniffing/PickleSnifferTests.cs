using ModelGateway.Policies;
using ModelGateway.Sniffing;
using ModelGateway.Testing;

namespace ModelGateway.UnitTests.Sniffing;

public sealed class PickleSnifferTests
{
    [Theory]
    [InlineData("archive")]
    [InlineData("my_model")]
    public void Sniff_TorchZip_IsPickleTensor(string root)
    {
        var file = ModelFiles.TorchZip(root);

        var result = ContentSniffer.Sniff(file, file.Length, "model.ckpt");

        Assert.Equal(ModelFormat.PickleTensor, result.Format);
        Assert.Equal("pytorch-zip", result.Signature);
    }

    [Fact]
    public void Sniff_TorchZipRenamedSafetensors_IsStillPickleTensor()
    {
        var file = ModelFiles.TorchZip();

        Assert.Equal(ModelFormat.PickleTensor, ContentSniffer.Sniff(file, file.Length, "model.safetensors").Format);
    }

    [Fact]
    public void Sniff_ZipWithoutPickle_IsOther()
    {
        var file = ModelFiles.PlainZip();

        var result = ContentSniffer.Sniff(file, file.Length);

        Assert.Equal(SniffKind.Recognised, result.Kind);
        Assert.Equal(ModelFormat.Other, result.Format);
        Assert.Equal("zip", result.Signature);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Sniff_RawPickle_IsPickleTensor(int protocol)
    {
        var file = ModelFiles.Pickle(protocol);

        var result = ContentSniffer.Sniff(file, file.Length);

        Assert.Equal(ModelFormat.PickleTensor, result.Format);
        Assert.Equal($"pickle-{protocol}", result.Signature);
    }

    [Fact]
    public void Sniff_LegacyTorch_IsPickleTensor()
    {
        var result = ContentSniffer.Sniff(ModelFiles.LegacyTorch());

        Assert.Equal(ModelFormat.PickleTensor, result.Format);
        Assert.Equal("torch-legacy", result.Signature);
    }

    [Fact]
    public void Sniff_LegacyTorchProtocol0_IsPickleTensor()
    {
        var result = ContentSniffer.Sniff("L119547037146038801333356L\n.(dp0\n."u8);

        Assert.Equal(ModelFormat.PickleTensor, result.Format);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(6)]
    public void Sniff_ProtoOutsideTwoToFive_IsNoPickle(byte protocol)
    {
        byte[] head = [0x80, protocol, .. new byte[30]];

        Assert.Equal(SniffKind.Unrecognised, ContentSniffer.Sniff(head).Kind);
    }

    [Fact]
    public void Sniff_EveryTruncationOfTorchZip_IsPickleTensorOnceTheNameIsIn()
    {
        var file = ModelFiles.TorchZip();
        var nameEnd = 30 + "archive/data.pkl".Length;

        for (var length = 0; length < file.Length; length++)
        {
            var result = ContentSniffer.Sniff(file.AsSpan(0, length));
            if (length >= nameEnd)
            {
                Assert.Equal(ModelFormat.PickleTensor, result.Format);
            }
            else
            {
                Assert.Equal(SniffKind.Undetermined, result.Kind);
            }
        }
    }

    [Fact]
    public void Sniff_ZipWithHugeEntrySizes_StopsWithoutThrowing()
    {
        var head = ModelFiles.PlainZip();
        head[18] = head[19] = head[20] = head[21] = 0xFF; // compressed size 4 GiB - 1: ZIP64 without its extra field
        head[28] = 0xFF; // extra length past the buffer

        var result = ContentSniffer.Sniff(head);

        Assert.Equal(ModelFormat.Other, result.Format);
    }
}
