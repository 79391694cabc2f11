using ModelGateway.Sources.HuggingFace;

namespace ModelGateway.UnitTests.Sources.HuggingFace;

public sealed class HuggingFaceEtagTests
{
    private const string Sha = "a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2";

    [Theory]
    [InlineData("\"" + Sha + "\"", Sha)]
    [InlineData("W/\"" + Sha + "\"", Sha)]
    [InlineData(Sha, Sha)]
    [InlineData("\"A7A17D6D844B5DE815CCAB5F42CAD6D24496DB3850A2A43D8258221018CE87D2\"", Sha)]
    [InlineData("\"5f0f7d3c1d9b5b5b0a6a8e0e2f0b1c2d3e4f5a6b\"", null)] // a git sha1: not a sha256
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Sha256FromEtag_LinkedEtag_NormalizesToLowerHex(string? etag, string? expected)
    {
        Assert.Equal(expected, HuggingFaceSource.Sha256FromEtag(etag));
    }
}
