using System.Buffers.Binary;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Metadata;

/// <summary>A file host whose files cannot be checked, each in its own way.</summary>
public sealed class UncheckableFilesFixture : IAsyncLifetime
{
    public const long Size = 5000;

    public FakeHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var model = ModelFiles.SafeTensors();
        // Declares a 24 MB header, far above ContentCheck:MaxHeaderBytes (only its first bytes are ever asked for).
        var hugeHeader = new byte[8 + 24_000_000 + 16];
        BinaryPrimitives.WriteUInt64LittleEndian(hugeHeader, 24_000_000);
        hugeHeader[8] = (byte)'{';
        Host = await FakeHost.StartAsync((app, _) =>
        {
            string[] getHead = ["GET", "HEAD"];
            app.MapMethods("/ok/model.safetensors", getHead, () => Results.Bytes(model, "application/octet-stream", enableRangeProcessing: true));
            // Range refused; HEAD tells the size.
            app.MapMethods("/range-refused/model.safetensors", getHead, (HttpContext c) =>
            {
                if (HttpMethods.IsGet(c.Request.Method))
                {
                    return Results.StatusCode(405);
                }
                c.Response.ContentLength = Size;
                return Results.Empty;
            });
            app.MapMethods("/header-too-large/model.safetensors", getHead, () =>
                Results.Bytes(hugeHeader, "application/octet-stream", enableRangeProcessing: true));
            // Encoded: the bytes are gzip's, not the file's; HEAD tells the size.
            app.MapMethods("/encoded/model.safetensors", getHead, async (HttpContext c) =>
            {
                if (HttpMethods.IsHead(c.Request.Method))
                {
                    c.Response.ContentLength = Size;
                    return;
                }
                c.Response.Headers.ContentEncoding = "gzip";
                c.Response.ContentLength = 20;
                await c.Response.Body.WriteAsync(new byte[20]);
            });
            // The headers at once, the bytes never within the probe's time.
            app.MapMethods("/stalls/model.safetensors", getHead, async (HttpContext c) =>
            {
                c.Response.StatusCode = 206;
                c.Response.Headers.ContentRange = $"bytes 0-{Size - 1}/{Size}";
                c.Response.ContentLength = Size;
                await c.Response.Body.FlushAsync();
                await Task.Delay(TimeSpan.FromSeconds(10), c.RequestAborted);
            });
            // No size anywhere: a chunked GET that ignores Range, a HEAD without length.
            app.MapMethods("/no-size/model.safetensors", getHead, async (HttpContext c) =>
            {
                if (HttpMethods.IsGet(c.Request.Method))
                {
                    await c.Response.Body.WriteAsync(model);
                }
            });
        });
    }

    public Task DisposeAsync() => Host.DisposeAsync().AsTask();
}

/// <summary><c>Policy:UnverifiedContent</c> and <c>Policy:UnknownSize</c> (and per profile): <c>Deny</c> turns each uncertain case into an error.</summary>
public sealed class StrictVerdictTests(UncheckableFilesFixture files) : IClassFixture<UncheckableFilesFixture>
{
    [Theory]
    [InlineData("range-refused")]
    [InlineData("header-too-large")]
    [InlineData("encoded")]
    [InlineData("stalls")]
    public async Task RemoteMetadata_BytesCannotBeCheckedUnderDeny_InvalidWithFormatUnverified(string kind)
    {
        await using var gateway = Gateway(("Policy:UnverifiedContent", "Deny"));

        var body = await MetadataAsync(gateway, TestKeys.Default, $"{kind}/model.safetensors");

        var validation = body.GetProperty("validation");
        Assert.False(validation.GetProperty("is_valid").GetBoolean());
        var error = Assert.Single(validation.GetProperty("errors").EnumerateArray());
        Assert.Equal(("FORMAT_UNVERIFIED", "format"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.Empty(validation.GetProperty("warnings").EnumerateArray());
        Assert.Equal("SafeTensor", body.GetProperty("format").GetString()); // the claim, reported as such
    }

    [Theory]
    [InlineData("range-refused")]
    [InlineData("header-too-large")]
    [InlineData("encoded")]
    [InlineData("stalls")]
    public async Task RemoteMetadata_BytesCannotBeCheckedByDefault_ValidWithWarning(string kind)
    {
        await using var gateway = Gateway();

        var body = await MetadataAsync(gateway, TestKeys.Default, $"{kind}/model.safetensors");

        Assert.True(body.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Equal(["FORMAT_UNVERIFIED"], Codes(body, "warnings"));
    }

    [Fact]
    public async Task RemoteMetadata_NoSourceTellsTheSizeUnderDeny_InvalidWithSizeUnknown()
    {
        await using var gateway = Gateway(("Policy:UnknownSize", "Deny"));

        var body = await MetadataAsync(gateway, TestKeys.Default, "no-size/model.safetensors");

        Assert.Equal(-1, body.GetProperty("content_length").GetInt64());
        var error = Assert.Single(body.GetProperty("validation").GetProperty("errors").EnumerateArray());
        Assert.Equal(("SIZE_UNKNOWN", "content_length"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.False(body.GetProperty("validation").GetProperty("is_valid").GetBoolean());
    }

    [Fact]
    public async Task RemoteMetadata_DenyInOneProfile_OnlyThatProfilesCallersRefusedForTheSameCachedFacts()
    {
        await using var gateway = Gateway(("PolicyProfiles:strict:UnverifiedContent", "Deny"), ("PolicyProfiles:strict:UnknownSize", "Deny"));

        var viaDefault = await MetadataAsync(gateway, TestKeys.Default, "encoded/model.safetensors");
        var viaStrict = await MetadataAsync(gateway, TestKeys.Strict, "encoded/model.safetensors");
        var strictNoSize = await MetadataAsync(gateway, TestKeys.Strict, "no-size/model.safetensors");
        var strictOk = await MetadataAsync(gateway, TestKeys.Strict, "ok/model.safetensors");

        Assert.True(viaDefault.GetProperty("validation").GetProperty("is_valid").GetBoolean());
        Assert.Equal(["FORMAT_UNVERIFIED"], Codes(viaDefault, "warnings"));
        Assert.Equal(["FORMAT_UNVERIFIED"], Codes(viaStrict, "errors"));
        Assert.Equal(["SIZE_UNKNOWN"], Codes(strictNoSize, "errors"));
        Assert.True(strictOk.GetProperty("validation").GetProperty("is_valid").GetBoolean());
    }

    private static GatewayFactory Gateway(params (string Key, string Value)[] settings)
    {
        var merged = new Dictionary<string, string?>
        {
            ["Egress:TimeoutSeconds"] = "1",
            ["ContentCheck:MaxHeaderBytes"] = "1048576",
            ["Policy:AllowedFormats:0"] = "SafeTensor",
        };
        foreach (var (key, value) in settings)
        {
            merged[key] = value;
        }
        return new GatewayFactory(merged);
    }

    private async Task<JsonElement> MetadataAsync(GatewayFactory gateway, string apiKey, string path)
    {
        using var client = gateway.CreateClient(apiKey);
        using var response = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(files.Host.Url(path).AbsoluteUri));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    private static string[] Codes(JsonElement body, string list) =>
        body.GetProperty("validation").GetProperty(list).EnumerateArray().Select(e => e.GetProperty("code").GetString()!).ToArray();
}
