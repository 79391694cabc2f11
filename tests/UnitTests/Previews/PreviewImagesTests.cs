using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ModelGateway.Previews;
using ModelGateway.Testing;

namespace ModelGateway.UnitTests.Previews;

public sealed class PreviewImagesTests
{
    private static readonly PreviewLimits Defaults = PreviewLimits.Default;

    public static TheoryData<byte[], string> Images()
    {
        var data = new TheoryData<byte[], string>();
        foreach (var (bytes, subtype) in TestImages.All)
        {
            data.Add(bytes, subtype);
        }
        return data;
    }

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
    public void DetectSubtype_RealImage_Subtype(byte[] bytes, string subtype)
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
    public void Dimensions_RealImage_ReadFromItsHeader(byte[] bytes, string subtype)
    {
        Assert.Equal((TestImages.Width, TestImages.Height), ImageDimensions.Read(bytes, subtype));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Dimensions_HeaderCutShort_NullNotAGuess(byte[] bytes, string subtype)
    {
        for (var length = 0; length < Math.Min(bytes.Length, 12); length++)
        {
            Assert.Null(ImageDimensions.Read(bytes.AsSpan(0, length), subtype));
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void ToDataUrl_RealImage_DataUrlOfItsRealSubtype(byte[] bytes, string subtype)
    {
        Assert.Equal(TestImages.DataUrl(bytes, subtype), PreviewImages.ToDataUrl(bytes, Defaults));
    }

    [Theory]
    [MemberData(nameof(NotImages))]
    public void ToDataUrl_NotAnImage_Null(byte[] bytes)
    {
        Assert.Null(PreviewImages.ToDataUrl(bytes, Defaults));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void ToDataUrl_PixelCap_SixPixelsPassAtSixAndFailAtFive(byte[] bytes, string subtype)
    {
        Assert.Equal(TestImages.DataUrl(bytes, subtype), PreviewImages.ToDataUrl(bytes, Defaults with { MaxPixels = 6 }));
        Assert.Null(PreviewImages.ToDataUrl(bytes, Defaults with { MaxPixels = 5 }));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void ToDataUrl_ByteCap_ExactLengthPassesOneLessFails(byte[] bytes, string subtype)
    {
        Assert.NotNull(PreviewImages.ToDataUrl(bytes, Defaults with { MaxBytes = bytes.Length }));
        Assert.Null(PreviewImages.ToDataUrl(bytes, Defaults with { MaxBytes = bytes.Length - 1 }));
        Assert.Equal(subtype, PreviewImages.DetectSubtype(bytes));
    }

    [Fact]
    public void ToDataUrl_PngClaimingHugeDimensions_RefusedUnderTheDefaultCap()
    {
        var bomb = (byte[])TestImages.Png.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(bomb.AsSpan(16), 50_000); // IHDR width
        BinaryPrimitives.WriteUInt32BigEndian(bomb.AsSpan(20), 50_000); // IHDR height

        Assert.Equal((50_000L, 50_000L), ImageDimensions.Read(bomb, "png"));
        Assert.Null(PreviewImages.ToDataUrl(bomb, Defaults));
    }

    [Fact]
    public void ToDataUrl_JpegWithoutFrameHeader_RefusedAsItsSizeIsUnknown()
    {
        byte[] jfifOnly = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF"u8, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9];

        Assert.Equal("jpeg", PreviewImages.DetectSubtype(jfifOnly));
        Assert.Null(PreviewImages.ToDataUrl(jfifOnly, Defaults));
    }

    [Fact]
    public void ToDataUrl_AvifWithoutSpatialExtents_Refused()
    {
        byte[] ftypOnly = [0x00, 0x00, 0x00, 0x1C, .. "ftypavif"u8, 0x00, 0x00, 0x00, 0x00, .. "avifmif1miaf"u8];

        Assert.Equal("avif", PreviewImages.DetectSubtype(ftypOnly));
        Assert.Null(PreviewImages.ToDataUrl(ftypOnly, Defaults));
    }

    [Fact]
    public void ToDataUrl_GifFrameBeyondTheScreen_FrameExtentCounts()
    {
        var gif = (byte[])TestImages.Gif.Clone();
        var descriptor = Array.IndexOf(gif, (byte)0x2C, 13);
        BinaryPrimitives.WriteUInt16LittleEndian(gif.AsSpan(descriptor + 5), 3000); // frame width
        BinaryPrimitives.WriteUInt16LittleEndian(gif.AsSpan(descriptor + 7), 3000); // frame height

        Assert.Equal((3000L, 3000L), ImageDimensions.Read(gif, "gif"));
        Assert.Null(PreviewImages.ToDataUrl(gif, Defaults));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void FromDataUrl_RealImage_SameUrl(byte[] bytes, string subtype)
    {
        var url = TestImages.DataUrl(bytes, subtype);

        Assert.Equal(url, PreviewImages.FromDataUrl(Encoding.UTF8.GetBytes(url), Defaults));
    }

    [Fact]
    public void FromDataUrl_ClaimsPngButIsGif_RelabelledFromBytes()
    {
        var url = "data:image/png;base64," + Convert.ToBase64String(TestImages.Gif);

        Assert.Equal(TestImages.DataUrl(TestImages.Gif, "gif"), PreviewImages.FromDataUrl(Encoding.UTF8.GetBytes(url), Defaults));
    }

    [Fact]
    public void FromDataUrl_HtmlDressedAsImage_Null()
    {
        var html = Convert.ToBase64String(Encoding.UTF8.GetBytes("<html><script>alert(1)</script></html>"));

        Assert.Null(PreviewImages.FromDataUrl(Encoding.UTF8.GetBytes("data:image/png;base64," + html), Defaults));
        Assert.Null(PreviewImages.FromDataUrl(Encoding.UTF8.GetBytes("data:text/html;base64," + html), Defaults));
    }

    [Theory]
    [InlineData("")]
    [InlineData("https://example.com/preview.png")]
    [InlineData("data:image/png,rawbytes")]
    [InlineData("data:image/png;base64")]
    [InlineData("data:image/png;base64,")]
    [InlineData("data:image/png;base64,!!!not base64!!!")]
    [InlineData("data;base64,iVBORw0KGgo=")]
    [InlineData("javascript:alert(1)")]
    public void FromDataUrl_NotBase64ImageData_Null(string url)
    {
        Assert.Null(PreviewImages.FromDataUrl(Encoding.UTF8.GetBytes(url), Defaults));
    }

    [Fact]
    public void FromDataUrl_AboveByteCap_NullWithoutDecoding()
    {
        var url = TestImages.DataUrl(TestImages.Png, "png");

        Assert.Null(PreviewImages.FromDataUrl(Encoding.UTF8.GetBytes(url), Defaults with { MaxBytes = TestImages.Png.Length - 3 }));
    }

    [Fact]
    public void FromDataUrl_UpperCasePrefix_Accepted()
    {
        var url = "DATA:image/png;BASE64," + Convert.ToBase64String(TestImages.Png);

        Assert.Equal(TestImages.DataUrl(TestImages.Png, "png"), PreviewImages.FromDataUrl(Encoding.UTF8.GetBytes(url), Defaults));
    }

    [Fact]
    public async Task ReadDataUrlAsync_HtmlCalledImage_Null()
    {
        using var response = new HttpResponseMessage { Content = new StringContent("<!DOCTYPE html><html>login</html>") };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");

        Assert.Null(await PreviewImages.ReadDataUrlAsync(response, Defaults, CancellationToken.None));
    }

    [Fact]
    public async Task ReadDataUrlAsync_Webp_DataUrl()
    {
        using var response = new HttpResponseMessage { Content = new ByteArrayContent(TestImages.WebpLossy) };

        Assert.Equal(TestImages.DataUrl(TestImages.WebpLossy, "webp"), await PreviewImages.ReadDataUrlAsync(response, Defaults, CancellationToken.None));
    }

    [Fact]
    public async Task ReadDataUrlAsync_LargerThanByteCapWithoutLength_Null()
    {
        var big = new byte[2048];
        TestImages.Png.CopyTo(big, 0);
        using var response = new HttpResponseMessage { Content = new StreamContent(new MemoryStream(big)) };

        Assert.Null(await PreviewImages.ReadDataUrlAsync(response, Defaults with { MaxBytes = 1024 }, CancellationToken.None));
    }

    [Fact]
    public async Task ReadDataUrlAsync_ErrorStatus_Null()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new ByteArrayContent(TestImages.Png) };

        Assert.Null(await PreviewImages.ReadDataUrlAsync(response, Defaults, CancellationToken.None));
    }
}
