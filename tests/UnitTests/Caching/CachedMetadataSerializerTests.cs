using System.Buffers;
using System.Text;
using ModelGateway.Caching;
using ModelGateway.Policies;

namespace ModelGateway.UnitTests.Caching;

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
                Source = "civitai",
            },
            AnsweredAt = Answered,
            WrittenAt = Answered.AddSeconds(5),
            FreshUntil = Answered.AddHours(1),
            StaleUntil = Answered.AddDays(1),
            IsStale = true,
        };

        var (json, copy) = RoundTrip(entry);

        Assert.Contains("\"PickleTensor\"", json, StringComparison.Ordinal); // enums by name
        Assert.Equal(entry with { Facts = null }, copy with { Facts = null });
        Assert.Equal(entry.Facts, copy.Facts);
    }

    [Fact]
    public void RoundTrip_Negative_CodeAndMessageKept()
    {
        var entry = new CachedMetadata
        {
            ErrorCode = "RESOURCE_NOT_FOUND",
            ErrorMessage = "The source answered 404: the file was not found.",
            AnsweredAt = Answered,
            WrittenAt = Answered,
            FreshUntil = Answered.AddMinutes(1),
            StaleUntil = Answered.AddMinutes(1),
        };

        var (_, copy) = RoundTrip(entry);

        Assert.True(copy.IsNegative);
        Assert.Equal(entry, copy);
    }

    private static (string Json, CachedMetadata Copy) RoundTrip(CachedMetadata entry)
    {
        var serializer = new CachedMetadataSerializer();
        var buffer = new ArrayBufferWriter<byte>();
        serializer.Serialize(entry, buffer);
        return (Encoding.UTF8.GetString(buffer.WrittenSpan), serializer.Deserialize(new ReadOnlySequence<byte>(buffer.WrittenMemory)));
    }
}
