using ModelGateway.Downloads;
using ModelGateway.Policies;
using ModelGateway.Sniffing;
using ModelGateway.Testing;

namespace ModelGateway.UnitTests.Downloads;

public sealed class HeadCheckTests
{
    [Fact]
    public void SeenFormat_WhatTheSnifferSays()
    {
        Assert.Equal(ModelFormat.SafeTensor, HeadCheck.SeenFormat(ContentSniffer.Sniff(ModelFiles.SafeTensors())));
        Assert.Equal(ModelFormat.PickleTensor, HeadCheck.SeenFormat(ContentSniffer.Sniff(ModelFiles.TorchZip())));
        Assert.Equal(ModelFormat.GGUF, HeadCheck.SeenFormat(ContentSniffer.Sniff(ModelFiles.Gguf())));
        Assert.Equal(ModelFormat.Other, HeadCheck.SeenFormat(ContentSniffer.Sniff("<!DOCTYPE html><html>login</html>"u8)));
        Assert.Null(HeadCheck.SeenFormat(ContentSniffer.Sniff([0x10, 0x00])));
    }

    [Fact]
    public void SeenFormat_SafetensorsHeaderLongerThanTheHead_SafeTensor()
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Long", thumbnail: "data:image/png;base64," + new string('A', 200_000)));

        Assert.Equal(ModelFormat.SafeTensor, HeadCheck.SeenFormat(ContentSniffer.Sniff(file.AsSpan(0, ContentSniffer.HeadBytes), file.Length)));
    }

    [Fact]
    public void SeenFormat_HeaderOverTheDefaultCapButUnderTheLargestAccepted_SafeTensor()
    {
        // A 5 MB header: a lookup with ContentCheck:MaxHeaderBytes raised to 25 MB verified it; its download must agree.
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Huge", thumbnail: "data:image/png;base64," + new string('A', 5_000_000)));
        var head = file.AsSpan(0, ContentSniffer.HeadBytes);

        Assert.Null(HeadCheck.SeenFormat(ContentSniffer.Sniff(head, file.Length))); // the default 4 MiB cap cannot tell
        Assert.Equal(ModelFormat.SafeTensor, HeadCheck.SeenFormat(head, file.Length, "huge.safetensors"));
    }

    [Theory]
    // Bytes read at inspection: exactly the inspected format.
    [InlineData(ModelFormat.SafeTensor, FormatCheck.Verified, ModelFormat.SafeTensor, true)]
    [InlineData(ModelFormat.SafeTensor, FormatCheck.Verified, ModelFormat.PickleTensor, false)]
    [InlineData(ModelFormat.SafeTensor, FormatCheck.Verified, ModelFormat.Other, false)]
    [InlineData(ModelFormat.SafeTensor, FormatCheck.Verified, null, false)]
    [InlineData(ModelFormat.PickleTensor, FormatCheck.Mismatch, ModelFormat.PickleTensor, true)]
    [InlineData(ModelFormat.Other, FormatCheck.Mismatch, ModelFormat.Other, true)]
    [InlineData(ModelFormat.Other, FormatCheck.Mismatch, ModelFormat.SafeTensor, false)]
    // Only a claim: no other signature, and no missing one where the format has one.
    [InlineData(ModelFormat.SafeTensor, FormatCheck.Unverified, ModelFormat.SafeTensor, true)]
    [InlineData(ModelFormat.SafeTensor, FormatCheck.NotChecked, ModelFormat.PickleTensor, false)]
    [InlineData(ModelFormat.SafeTensor, FormatCheck.Unverified, ModelFormat.Other, false)]
    [InlineData(ModelFormat.GGUF, FormatCheck.NotChecked, ModelFormat.Other, false)]
    [InlineData(ModelFormat.SafeTensor, FormatCheck.Unverified, null, true)]
    [InlineData(ModelFormat.PickleTensor, FormatCheck.Unverified, ModelFormat.Other, true)] // pickle protocol 0/1 has no signature
    [InlineData(ModelFormat.ONNX, FormatCheck.NotChecked, ModelFormat.Other, true)]
    [InlineData(ModelFormat.Other, FormatCheck.NotChecked, ModelFormat.PickleTensor, false)]
    public void Matches_AgainstTheFacts(ModelFormat format, FormatCheck check, ModelFormat? seen, bool matches)
    {
        var facts = new AssetFacts { Format = format, FormatCheck = check };

        Assert.Equal(matches, HeadCheck.Matches(facts, seen));
    }
}
