using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ModelGateway.Previews;

namespace ModelGateway.UnitTests.Previews;

public sealed class PreviewImagesTests
{
    // A real 1×1 PNG and a real 1×1 GIF.
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    // JFIF header (SOI + APP0), a WebP RIFF container header, an AVIF ftyp box.
    private static readonly byte[] Jpeg =
        [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9];

    private static readonly byte[] Webp = [.. "RIFF"u8, 0x1A, 0x00, 0x00, 0x00, .. "WEBPVP8L"u8, 0x0D, 0x00, 0x00, 0x00, 0x2F, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xFE, 0x07, 0x00];

    private static readonly byte[] Avif = [0x00, 0x00, 0x00, 0x1C, .. "ftypavif"u8, 0x00, 0x00, 0x00, 0x00, .. "avifmif1miaf"u8];

    public static TheoryData<byte[], string> Images() => new()
    {
        { Png, "png" },
        { Gif, "gif" },
        { Jpeg, "jpeg" },
        { Webp, "webp" },
        { Avif, "avif" },
    };

    public static TheoryData<byte[]> NotImages() => new()
    {
        Encoding.UTF8.GetBytes("<!DOCTYPE html><html><body>Not an image</body></html>"),
        Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"),
        Encoding.UTF8.GetBytes("{\"error\":\"not found\"}"),
        Bytes([.. "RIFF"u8, 0x24, 0x00, 0x00, 0x00, .. "WAVEfmt "u8]),
        Bytes([0x89, (byte)'P', (byte)'N', (byte)'G']),
        Bytes([.. "GIF88a"u8]),
        Bytes([0xFF, 0xD8]),
        Bytes([]),
    };

    private static byte[] Bytes(byte[] bytes) => bytes;

    [Theory]
    [MemberData(nameof(Images))]
    public void DetectSubtype_RealImageMagic_Subtype(byte[] bytes, string subtype)
    {
        Assert.Equal(subtype, PreviewImages.DetectSubtype(bytes));
    }

    [Theory]
    [MemberData(nameof(NotImages))]
    public void DetectSubtype_NotAnImage_Null(byte[] bytes)
    {
        Assert.Null(PreviewImages.DetectSubtype(bytes));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void ToDataUrl_Image_DataUrlOfItsRealSubtype(byte[] bytes, string subtype)
    {
        Assert.Equal($"data:image/{subtype};base64,{Convert.ToBase64String(bytes)}", PreviewImages.ToDataUrl(bytes));
    }

    [Theory]
    [MemberData(nameof(NotImages))]
    public void ToDataUrl_NotAnImage_Null(byte[] bytes)
    {
        Assert.Null(PreviewImages.ToDataUrl(bytes));
    }

    [Fact]
    public void ToDataUrl_AtCap_Accepted_AboveCap_Null()
    {
        var atCap = new byte[PreviewImages.MaxBytes];
        Png.CopyTo(atCap, 0);
        var aboveCap = new byte[PreviewImages.MaxBytes + 1];
        Png.CopyTo(aboveCap, 0);

        Assert.StartsWith("data:image/png;base64,", PreviewImages.ToDataUrl(atCap), StringComparison.Ordinal);
        Assert.Null(PreviewImages.ToDataUrl(aboveCap));
    }

    [Fact]
    public void ToDataUrl_CustomCap_Honoured()
    {
        Assert.Null(PreviewImages.ToDataUrl(Png, maxBytes: Png.Length - 1));
        Assert.NotNull(PreviewImages.ToDataUrl(Png, maxBytes: Png.Length));
    }

    [Fact]
    public void ValidateDataUrl_RealPng_SameUrl()
    {
        var url = "data:image/png;base64," + Convert.ToBase64String(Png);

        Assert.Equal(url, PreviewImages.ValidateDataUrl(url));
    }

    [Fact]
    public void ValidateDataUrl_ClaimsPngButIsGif_RelabelledFromBytes()
    {
        var url = "data:image/png;base64," + Convert.ToBase64String(Gif);

        Assert.Equal("data:image/gif;base64," + Convert.ToBase64String(Gif), PreviewImages.ValidateDataUrl(url));
    }

    [Fact]
    public void ValidateDataUrl_HtmlDressedAsImage_Null()
    {
        var html = Convert.ToBase64String(Encoding.UTF8.GetBytes("<html><script>alert(1)</script></html>"));

        Assert.Null(PreviewImages.ValidateDataUrl("data:image/png;base64," + html));
        Assert.Null(PreviewImages.ValidateDataUrl("data:text/html;base64," + html));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://example.com/preview.png")]
    [InlineData("data:image/png,rawbytes")]
    [InlineData("data:image/png;base64")]
    [InlineData("data:image/png;base64,!!!not base64!!!")]
    [InlineData("javascript:alert(1)")]
    public void ValidateDataUrl_NotBase64ImageData_Null(string? url)
    {
        Assert.Null(PreviewImages.ValidateDataUrl(url));
    }

    [Fact]
    public void ValidateDataUrl_AboveCap_Null()
    {
        var big = new byte[PreviewImages.MaxBytes + 1];
        Png.CopyTo(big, 0);

        Assert.Null(PreviewImages.ValidateDataUrl("data:image/png;base64," + Convert.ToBase64String(big)));
    }

    [Fact]
    public void ValidateDataUrl_UpperCasePrefix_Accepted()
    {
        var url = "DATA:image/png;BASE64," + Convert.ToBase64String(Png);

        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(Png), PreviewImages.ValidateDataUrl(url));
    }

    [Fact]
    public async Task ReadDataUrlAsync_HtmlCalledImage_Null()
    {
        using var response = new HttpResponseMessage { Content = new StringContent("<!DOCTYPE html><html>login</html>") };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");

        Assert.Null(await PreviewImages.ReadDataUrlAsync(response, CancellationToken.None));
    }

    [Fact]
    public async Task ReadDataUrlAsync_Png_DataUrl()
    {
        using var response = new HttpResponseMessage { Content = new ByteArrayContent(Png) };

        var dataUrl = await PreviewImages.ReadDataUrlAsync(response, CancellationToken.None);

        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(Png), dataUrl);
    }

    [Fact]
    public async Task ReadDataUrlAsync_PngLargerThanCap_Null()
    {
        var big = new byte[2048];
        Png.CopyTo(big, 0);
        using var response = new HttpResponseMessage { Content = new StreamContent(new MemoryStream(big)) };

        Assert.Null(await PreviewImages.ReadDataUrlAsync(response, CancellationToken.None, maxBytes: 1024));
    }

    [Fact]
    public async Task ReadDataUrlAsync_ErrorStatus_Null()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new ByteArrayContent(Png) };

        Assert.Null(await PreviewImages.ReadDataUrlAsync(response, CancellationToken.None));
    }
}
