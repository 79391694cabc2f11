using System.Net.Http.Headers;
using ModelGateway.Sources;

namespace ModelGateway.UnitTests.Sources;

public sealed class FileNamesTests
{
    [Theory]
    [InlineData("attachment; filename=\"model.safetensors\"", "model.safetensors")]
    [InlineData("attachment; filename=model.safetensors", "model.safetensors")]
    [InlineData("inline; filename=\"my model v2.ckpt\"", "my model v2.ckpt")]
    [InlineData("attachment; filename=\"my%20model.safetensors\"", "my model.safetensors")]
    [InlineData("attachment; filename=\"caf%C3%A9.gguf\"", "café.gguf")]
    [InlineData("attachment; filename*=UTF-8''%E6%A8%A1%E5%9E%8B.safetensors", "模型.safetensors")]
    [InlineData("attachment; filename*=utf-8''caf%C3%A9%20v1.safetensors", "café v1.safetensors")]
    [InlineData("attachment; filename*=UTF-8'en'na%C3%AFve.gguf", "naïve.gguf")]
    public void FromContentDisposition_Variants_DecodedBareName(string header, string expected)
    {
        Assert.Equal(expected, FileNames.FromContentDisposition(Parse(header)));
    }

    [Theory]
    [InlineData("attachment; filename=\"fallback.bin\"; filename*=UTF-8''real%20name.safetensors")]
    [InlineData("attachment; filename*=UTF-8''real%20name.safetensors; filename=\"fallback.bin\"")]
    public void FromContentDisposition_BothForms_FilenameStarPreferred(string header)
    {
        Assert.Equal("real name.safetensors", FileNames.FromContentDisposition(Parse(header)));
    }

    [Theory]
    [InlineData("attachment; filename=\"../../etc/passwd\"", "passwd")]
    [InlineData("attachment; filename=\"/etc/passwd\"", "passwd")]
    [InlineData("attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd", "passwd")]
    [InlineData("attachment; filename=\"..%2F..%2Fsecret.safetensors\"", "secret.safetensors")]
    [InlineData("attachment; filename*=UTF-8''..%5C..%5Cwindows%5Cevil.ckpt", "evil.ckpt")]
    [InlineData("attachment; filename=\"C:\\\\models\\\\evil.ckpt\"", "evil.ckpt")]
    [InlineData("attachment; filename=\"C:evil.ckpt\"", "C_evil.ckpt")]
    public void FromContentDisposition_PathInName_OnlyLastSegment(string header, string expected)
    {
        Assert.Equal(expected, FileNames.FromContentDisposition(Parse(header)));
    }

    [Theory]
    [InlineData("attachment; filename*=UTF-8''a%0Ab%0D%00c.safetensors", "abc.safetensors")]
    [InlineData("attachment; filename*=UTF-8''%09%20model.gguf%20", "model.gguf")]
    [InlineData("attachment; filename*=UTF-8''evil%E2%80%AEgnp.ckpt", "evilgnp.ckpt")]
    [InlineData("attachment; filename*=UTF-8''mo%E2%80%8Bdel.safetensors", "model.safetensors")]
    public void FromContentDisposition_ControlCharactersAndBlanks_Removed(string header, string expected)
    {
        Assert.Equal(expected, FileNames.FromContentDisposition(Parse(header)));
    }

    [Theory]
    [InlineData("attachment")]
    [InlineData("inline")]
    [InlineData("attachment; filename=\"\"")]
    [InlineData("attachment; filename=\"..\"")]
    [InlineData("attachment; filename=\".\"")]
    [InlineData("attachment; filename=\"models/\"")]
    [InlineData("attachment; filename=\"../\"")]
    [InlineData("attachment; filename*=UTF-8''%0A")]
    [InlineData("")]
    [InlineData(null)]
    public void FromContentDisposition_NoUsableName_Null(string? header)
    {
        Assert.Null(FileNames.FromContentDisposition(Parse(header)));
    }

    [Fact]
    public void FromContentDisposition_NullHeaderValue_Null()
    {
        Assert.Null(FileNames.FromContentDisposition(null));
    }

    [Fact]
    public void FromContentDisposition_ParsedHeaderValue_SameRules()
    {
        var header = ContentDispositionHeaderValue.Parse("attachment; filename=\"x.bin\"; filename*=UTF-8''y%20z.safetensors");

        Assert.Equal("y z.safetensors", FileNames.FromContentDisposition(header));
    }

    [Theory]
    [InlineData("https://files.example.com/models/model.safetensors", "model.safetensors")]
    [InlineData("https://files.example.com/models/model%20v2.safetensors?download=true#x", "model v2.safetensors")]
    [InlineData("https://files.example.com/%E6%A8%A1%E5%9E%8B.gguf", "模型.gguf")]
    [InlineData("https://files.example.com/a/..%2F..%2Fetc%2Fpasswd", "passwd")]
    [InlineData("https://files.example.com/a/x%5Cy.ckpt", "y.ckpt")]
    [InlineData("https://files.example.com/download", "download")]
    public void FromUrl_LastSegmentDecoded(string url, string expected)
    {
        Assert.Equal(expected, FileNames.FromUrl(new Uri(url)));
    }

    [Theory]
    [InlineData("https://files.example.com/")]
    [InlineData("https://files.example.com")]
    [InlineData("https://files.example.com/models/")]
    public void FromUrl_NoLastSegment_Null(string url)
    {
        Assert.Null(FileNames.FromUrl(new Uri(url)));
    }

    [Theory]
    [InlineData("model.safetensors", "model.safetensors")]
    [InlineData("dir/sub/model.safetensors", "model.safetensors")]
    [InlineData("dir\\sub\\model.safetensors", "model.safetensors")]
    [InlineData("  model.gguf  ", "model.gguf")]
    [InlineData("mo\u0000del\u007F.bin", "model.bin")]
    [InlineData("C:evil.ckpt", "C_evil.ckpt")]
    [InlineData("model.safetensors:Zone.Identifier", "model.safetensors_Zone.Identifier")]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData(null, null)]
    [InlineData("..", null)]
    [InlineData("a/..", null)]
    [InlineData("\u0001\u0002", null)]
    [InlineData("evil\u202Egnp.ckpt", "evilgnp.ckpt")]
    [InlineData("mo\u200Bdel\uFEFF.safetensors", "model.safetensors")]
    [InlineData(".\u200B.", null)]
    [InlineData("dir/\u200B../x/..\u2060", null)]
    [InlineData("model\u00A0v2.gguf", "model v2.gguf")]
    public void Sanitize_BareNameOrNull(string? name, string? expected)
    {
        Assert.Equal(expected, FileNames.Sanitize(name));
    }

    [Fact]
    public void Sanitize_VeryLongName_CappedAt255()
    {
        var name = new string('a', 300) + ".safetensors";

        Assert.Equal(new string('a', 255), FileNames.Sanitize(name));
    }

    [Theory]
    [InlineData("model.safetensors", "model")]
    [InlineData("model.v2.Q4_K_M.gguf", "model.v2.Q4_K_M")]
    [InlineData("noextension", "noextension")]
    [InlineData(".hidden", ".hidden")]
    [InlineData("模型.safetensors", "模型")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Stem_WithoutLastExtension(string? fileName, string? expected)
    {
        Assert.Equal(expected, FileNames.Stem(fileName));
    }

    // The header value as HttpClient parses it; null for what it cannot parse (as a response's header then is).
    private static ContentDispositionHeaderValue? Parse(string? value) =>
        ContentDispositionHeaderValue.TryParse(value, out var header) ? header : null;
}
