using System.Text;
using ModelGateway.Caching;
using ModelGateway.Policies;
using ModelGateway.Testing;
using ZiggyCreatures.Caching.Fusion.Internals.Distributed;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace ModelGateway.UnitTests.Caching;

/// <summary>Entries as FusionCache writes them to Redis: its envelope around ours, through our source-generated JSON.</summary>
public sealed class CachedMetadataSerializerTests
{
    private static readonly DateTimeOffset Answered = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RoundTrip_Facts_AllFieldsKept()
    {
        var entry = new CachedMetadata
        {
            Facts = new AssetFacts
            {
                ContentLength = 1234,
                ContentType = "application/octet-stream",
                Filename = "model.safetensors",
                Name = "model",
                ModelType = "LORA",
                ModelFolder = "loras",
                Format = ModelFormat.PickleTensor,
                ClaimedFormat = ModelFormat.SafeTensor,
                FormatCheck = FormatCheck.Mismatch,
                Sha256 = "ab",
                PickleScan = ScanResult.Danger,
                VirusScan = ScanResult.Success,
                FinalUrl = "https://example.com/model.safetensors",
                PreviewImage = "data:image/png;base64,iVBORw0KGgo=",
                Hosts = ["files.example.com", "storage.example.net"],
                PreviewHosts = ["images.example.com"],
                Source = "civitai",
            },
            AnsweredAt = Answered,
            FreshUntil = Answered.AddHours(1),
            StaleUntil = Answered.AddDays(1),
        };

        var (json, copy) = RoundTrip(entry);

        Assert.Contains("\"PickleTensor\"", json, StringComparison.Ordinal); // enums by name
        Assert.Equal(entry with { Facts = null }, copy with { Facts = null });
        Assert.Equal(entry.Facts.Hosts, copy.Facts!.Hosts);
        Assert.Equal(entry.Facts.PreviewHosts, copy.Facts.PreviewHosts);
        // The lists compared above; a record compares lists by reference.
        Assert.Equal(entry.Facts with { Hosts = [], PreviewHosts = [] }, copy.Facts with { Hosts = [], PreviewHosts = [] });
    }

    [Fact]
    public void RoundTrip_Negative_CodeAndMessageKept()
    {
        var entry = new CachedMetadata
        {
            ErrorCode = "RESOURCE_NOT_FOUND",
            ErrorMessage = "The source answered 404: the file was not found.",
            AnsweredAt = Answered,
            FreshUntil = Answered.AddMinutes(1),
            StaleUntil = Answered.AddMinutes(1),
        };

        var (json, copy) = RoundTrip(entry);

        Assert.True(copy.IsNegative);
        Assert.Equal(entry, copy);
        Assert.DoesNotContain("\"Facts\"", json, StringComparison.Ordinal); // nulls are left out
    }

    [Fact]
    public void Serialize_LargestPreview_FitsUnderDefaultRedisCap()
    {
        var image = new byte[ModelGateway.Previews.PreviewOptions.DefaultMaxBytes];
        new Random(7).NextBytes(image);
        TestImages.Png.AsSpan(0, 33).CopyTo(image); // PNG signature and IHDR: the rest is what a compressed image looks like
        var entry = new CachedMetadata
        {
            Facts = new AssetFacts { PreviewImage = ModelGateway.Previews.PreviewImages.ToDataUrl(image, ModelGateway.Previews.PreviewLimits.Default), Filename = "model.safetensors" },
            AnsweredAt = Answered,
        };

        var (json, _) = RoundTrip(entry);

        Assert.NotNull(entry.Facts.PreviewImage);
        Assert.InRange(Encoding.UTF8.GetByteCount(json), 350_000, new MetadataCacheOptions().MaxEntryBytes);
    }

    private static (string Json, CachedMetadata Copy) RoundTrip(CachedMetadata entry)
    {
        var serializer = new FusionCacheSystemTextJsonSerializer(CachedMetadataJson.Default.Options);
        var bytes = serializer.Serialize(new FusionCacheDistributedEntry<CachedMetadata>(entry, 1, 2, null, null));
        var copy = serializer.Deserialize<FusionCacheDistributedEntry<CachedMetadata>>(bytes)!;
        Assert.Equal((1, 2), (copy.Timestamp, copy.LogicalExpirationTimestamp));
        return (Encoding.UTF8.GetString(bytes), copy.Value);
    }
}
