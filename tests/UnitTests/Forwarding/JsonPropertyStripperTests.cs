using System.Text;
using System.Text.Json;
using ModelGateway.Forwarding;

namespace ModelGateway.UnitTests.Forwarding;

public sealed class JsonPropertyStripperTests
{
    [Theory]
    [InlineData("""[{"path":"a","xetHash":"e1","size":1}]""", """[{"path":"a","size":1}]""")]
    [InlineData("""{"xetHash":{"nested":[1,{"xetHash":2}]},"k":[true,false,null,-1.5e3]}""", """{"k":[true,false,null,-1.5e3]}""")]
    [InlineData("""[{"lfs":{"oid":"x","xetHash":null}},{"path":"é \"q\""}]""", """[{"lfs":{"oid":"x"}},{"path":"é \"q\""}]""")]
    [InlineData("""{"a":"xetHash","xetHashes":1}""", """{"a":"xetHash","xetHashes":1}""")]
    [InlineData(" [ ] ", "[]")]
    public async Task Copy_RemovesTheNamedPropertiesEverywhere(string input, string expected)
    {
        Assert.Equal(expected, await StripAsync(input, chunk: 3));
        Assert.Equal(expected, await StripAsync(input, chunk: 4096));
    }

    [Fact]
    public async Task Copy_ALongListing_StreamsWithBoundedMemory()
    {
        var entries = Enumerable.Range(0, 20_000).Select(i => $$"""{"path":"f{{i}}","xetHash":"{{new string('e', 64)}}","size":{{i}}}""");
        var input = "[" + string.Join(',', entries) + "]";

        var output = await StripAsync(input, chunk: 8192);

        using var parsed = JsonDocument.Parse(output);
        Assert.Equal(20_000, parsed.RootElement.GetArrayLength());
        Assert.DoesNotContain("xetHash", output, StringComparison.Ordinal);
        Assert.Equal(19_999, parsed.RootElement[19_999].GetProperty("size").GetInt32());
    }

    [Theory]
    [InlineData("[{\"path\":")]
    [InlineData("<html>")]
    [InlineData("")]
    [InlineData("[1] [2]")]
    public async Task Copy_NotJson_Throws(string input)
    {
        await Assert.ThrowsAnyAsync<JsonException>(() => StripAsync(input, chunk: 5));
    }

    [Fact]
    public async Task Copy_ATokenLongerThanTheBound_Throws()
    {
        var input = "[\"" + new string('x', JsonPropertyStripper.MaxTokenBytes + 10) + "\"]";

        await Assert.ThrowsAnyAsync<JsonException>(() => StripAsync(input, chunk: 65536));
    }

    private static async Task<string> StripAsync(string input, int chunk)
    {
        using var source = new ChunkedStream(Encoding.UTF8.GetBytes(input), chunk);
        using var output = new MemoryStream();
        await JsonPropertyStripper.CopyAsync(source, output, ["xetHash"], CancellationToken.None);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    /// <summary>A stream that never returns more than <paramref name="chunk"/> bytes per read, as a network stream may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
