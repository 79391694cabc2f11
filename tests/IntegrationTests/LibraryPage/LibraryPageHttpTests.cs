using System.Net;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.LibraryPage;

/// <summary>The <c>/library</c> page's files as the gateway serves them: without a key, under a strict Content-Security-Policy.</summary>
public sealed class LibraryPageHttpTests
{
    private const string Csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    [Theory]
    [InlineData("/library", "text/html")]
    [InlineData("/library/", "text/html")]
    [InlineData("/library/library.js", "text/javascript")]
    [InlineData("/library/library.css", "text/css")]
    [InlineData("/library/icon.svg", "image/svg+xml")]
    public async Task Page_File_ServedWithoutKeyUnderStrictPolicy(string path, string mediaType)
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Csp, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task Page_Html_NoInlineScriptOrStyleNoExternalOrigin()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);

        var html = await client.GetStringAsync("/library");

        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", html);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(" on[a-z]+=", html);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html.Replace("https://civitai.com/api/download/models/…", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_Script_NeverWritesHtmlNorPutsTheKeyInAUrl()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);

        var script = await client.GetStringAsync("/library/library.js");

        Assert.DoesNotContain("innerHTML", script, StringComparison.Ordinal);
        Assert.DoesNotContain("outerHTML", script, StringComparison.Ordinal);
        Assert.DoesNotContain("insertAdjacentHTML", script, StringComparison.Ordinal);
        Assert.DoesNotContain("document.write", script, StringComparison.Ordinal);
        Assert.DoesNotContain("localStorage", script, StringComparison.Ordinal);
        Assert.DoesNotContain("key=${", script, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/library/missing.js")]
    [InlineData("/library/..%2Fappsettings.json")]
    [InlineData("/library/index.html.bak")]
    public async Task Page_UnknownFile_404(string path)
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Page_SameETag_304()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);
        using var first = await client.GetAsync("/library/library.js");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/library/library.js");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }
}
