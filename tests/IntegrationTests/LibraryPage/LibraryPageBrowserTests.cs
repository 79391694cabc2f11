using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Decisions;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using OpenQA.Selenium;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.LibraryPage;

/// <summary>
/// The <c>/library</c> page in headless Chromium against the real gateway and the fake CivitAI: sign in with an admin
/// key, check and import a LoRA (the progress bar to 100 %, then the asset in the library), a pickle refused with its
/// reason, both decisions in the admin list, a hostile model name shown as text. Each step's screenshot is written to
/// docs/screenshots/ (the README shows one).
/// </summary>
public sealed partial class LibraryPageBrowserTests(DownloadHosts hosts) : IClassFixture<DownloadHosts>
{
    private const long Imported = 8201;
    private const long Refused = 8202;
    private const long Hostile = 8203;
    private const string HostileName = "<img src=x onerror=alert(1)>";

    private static string Screenshots => Path.Combine(GatewayFactory.RepositoryRoot, "docs", "screenshots");

    [Fact]
    public async Task Page_SignInImportRefuseDecideHostileName_AsAUserSeesIt()
    {
        var lora = SafeTensors(6_000_000, seed: 82);
        hosts.CivitAi.AddDownload(Imported, "portrait-studio-v2.safetensors", lora, modelName: "Portrait Studio LoRA");
        // The storage host sends the whole file slowly (64 KB every 50 ms), so the page has a transfer to show.
        hosts.CivitAi.HandleObject(Imported, context => SlowObjectAsync(context, lora));
        hosts.CivitAi.AddDownload(Refused, "legacy-embedding.ckpt", PickleOfLength(60_000), format: "PickleTensor", modelName: "Legacy Embedding");
        hosts.CivitAi.AddDownload(Hostile, "hostile.safetensors", SafeTensors(20_000, seed: 83), modelName: HostileName);
        var settings = DecisionsEndpointTests.AdminSettings(hosts);
        settings["Library:TaskLeaseSeconds"] = "2"; // the task records its bytes every 0.67 s
        await using var gateway = LoopbackGateway.Start(settings);
        using var browser = Browser.Start(Screenshots);
        var page = new Uri(gateway.Address, "/library").AbsoluteUri;

        // Sign in: the key goes into a password field and stays out of every URL.
        browser.Driver.Navigate().GoToUrl(page);
        browser.WaitVisible("sign-in");
        browser.Screenshot("01-sign-in");
        browser.Find("key-input").SendKeys(DecisionsEndpointTests.AdminKey);
        browser.Find("key-input").SendKeys(Keys.Enter);
        browser.WaitVisible("app");
        Assert.Equal("ops", browser.Find("who-name").Text);
        Assert.True(browser.Visible("who-admin"));
        Assert.True(browser.Visible("tab-decisions"));
        Assert.Equal(DecisionsEndpointTests.AdminKey, browser.Script("return sessionStorage.getItem('model-gateway.key')"));
        Assert.DoesNotContain(DecisionsEndpointTests.AdminKey, browser.Driver.Url, StringComparison.Ordinal);

        // Check: the remote-metadata answer, allowed.
        Check(browser, CivitAiUrl(Imported));
        Assert.Equal("Portrait Studio LoRA v1", browser.Find("facts-name").Text);
        Assert.Equal("Allowed", browser.Find("facts-verdict").Text);
        Assert.Equal("SafeTensor", browser.Find("facts-format").Text);
        Assert.Equal("loras", browser.Find("facts-folder").Text);
        Assert.Equal("civitai.com", browser.Find("facts-host").Text);
        Assert.StartsWith("6.00 MB (", browser.Find("facts-size").Text, StringComparison.Ordinal);
        Assert.Equal(Sha256(lora), browser.Find("facts-sha").Text);
        browser.Screenshot("02-checked");

        // Import: the task's progress bar runs to 100 %, then the asset is in the library.
        browser.Find("import-button").Click();
        browser.WaitVisible("task");
        var midway = Browser.WaitFor(() => ProgressValue(browser) is var v and > 0 and < 100 ? v : (int?)null, "the bar between 0 and 100 %");
        Assert.InRange(midway!.Value, 1, 99);
        Assert.Matches(BytesOf(), browser.Find("task-bytes").Text);
        Browser.WaitFor(() => browser.Find("task-rate").Text.EndsWith("/s", StringComparison.Ordinal), "a transfer rate");
        Browser.WaitFor(() => browser.Find("task-eta").Text.EndsWith(" left", StringComparison.Ordinal), "an estimate of the time left");
        browser.Screenshot("03-importing");
        Browser.WaitFor(() => ProgressValue(browser) == 100, "the bar at 100 %", seconds: 60);
        Assert.Equal("100 %", browser.Find("task-percent").Text);
        Assert.Equal("Completed", browser.Find("task-status").Text);
        browser.WaitVisible("task-done");
        browser.Screenshot("04-imported");

        browser.Find("task-open-library").Click();
        var row = Browser.WaitFor(() => browser.Driver.FindElements(By.CssSelector("#library-rows tr")).FirstOrDefault(), "a library row");
        var cells = row.FindElements(By.TagName("td"));
        Assert.StartsWith("portrait-studio-v2.safetensors", cells[0].Text, StringComparison.Ordinal);
        Assert.Equal("loras", cells[1].Text);
        Assert.Equal("6.00 MB", cells[2].Text);
        Assert.Equal(Sha256(lora)[..12] + "…", cells[3].Text);
        Assert.Equal(Sha256(lora), cells[3].GetAttribute("title"));
        Assert.Equal("Page 1 of 1 · 1 model", browser.Find("page-info").Text);
        browser.Screenshot("05-library");

        // A pickle: refused, with the reason in words and its code; nothing to import.
        browser.Find("tab-import").Click();
        Check(browser, CivitAiUrl(Refused));
        Assert.Equal("Refused", browser.Find("facts-verdict").Text);
        var reason = browser.Find("facts-errors").FindElement(By.TagName("li")).Text;
        Assert.Contains("This file format is not allowed for your key.", reason, StringComparison.Ordinal);
        Assert.Contains("FORMAT_NOT_ALLOWED", reason, StringComparison.Ordinal);
        Assert.Contains("PickleTensor", reason, StringComparison.Ordinal);
        Assert.False(browser.Find("import-button").Enabled);
        Assert.Equal("Refused by policy", browser.Find("import-button").Text);
        browser.Screenshot("06-refused");

        // Decisions (admin): the allowed check and the refused one, and the filter by outcome.
        browser.Find("tab-decisions").Click();
        browser.WaitVisible("decisions-table");
        var outcomes = browser.Driver.FindElements(By.CssSelector("#decisions-rows tr")).Select(r => r.Text).ToList();
        Assert.Contains(outcomes, r => r.Contains("Refused", StringComparison.Ordinal) && r.Contains("FORMAT_NOT_ALLOWED", StringComparison.Ordinal)
            && r.Contains("ops", StringComparison.Ordinal));
        Assert.Contains(outcomes, r => r.Contains("Allowed", StringComparison.Ordinal) && r.Contains("civitai.com", StringComparison.Ordinal));
        browser.Screenshot("07-decisions");
        browser.Find("decision-outcome").FindElement(By.CssSelector("option[value='refused']")).Click();
        Browser.WaitFor(() => browser.Driver.FindElements(By.CssSelector("#decisions-rows tr"))
            .All(r => r.Text.Contains("Refused", StringComparison.Ordinal)), "only refused decisions");

        // Policy in words.
        browser.Find("tab-policy").Click();
        browser.WaitVisible("panel-policy");
        var policy = browser.Find("policy-list").Text;
        Assert.Contains("Formats\nOnly SafeTensor files.", policy, StringComparison.Ordinal);
        Assert.Contains("Key\nops, judged by the base policy.", policy, StringComparison.Ordinal);
        Assert.Contains("Rate limit\n100,000 requests per minute.", policy, StringComparison.Ordinal);
        browser.Screenshot("08-policy");

        // A hostile model name is text: no element made of it, no script run.
        browser.Find("tab-import").Click();
        Check(browser, CivitAiUrl(Hostile));
        Assert.Equal(HostileName + " v1", browser.Find("facts-name").Text);
        Assert.Empty(browser.Driver.FindElements(By.CssSelector("#facts img:not([src^='data:'])")));
        Assert.Throws<NoAlertPresentException>(() => browser.Driver.SwitchTo().Alert());
        browser.Screenshot("09-hostile-name");

        // Phone width: nothing wider than the screen; the library as cards.
        browser.Resize(390, 844);
        browser.Find("tab-library").Click();
        browser.WaitVisible("library-table");
        Assert.Equal(true, browser.Script("return document.documentElement.scrollWidth <= window.innerWidth"));
        browser.Screenshot("10-phone-library");

        // Keyboard: the tabs move with the arrow keys.
        browser.Find("tab-library").SendKeys(Keys.ArrowRight);
        Browser.WaitFor(() => browser.Find("tab-decisions").GetAttribute("aria-selected") == "true", "the next tab selected");
        Assert.Equal("tab-decisions", browser.Script("return document.activeElement.id"));

        // Nothing the page did broke its own Content-Security-Policy.
        Assert.DoesNotContain(browser.ConsoleMessages(), m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        // ...which is enforced: an inline script is refused, and the console says so.
        browser.Script("const s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.body.append(s);");
        Assert.Null(browser.Script("return window.inlineRan === undefined ? null : window.inlineRan"));
        Assert.Contains(browser.ConsoleMessages(), m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Page_NonAdminKey_NoDecisionsTab_WrongKeyRefusedInWords()
    {
        await using var gateway = LoopbackGateway.Start(DecisionsEndpointTests.AdminSettings(hosts));
        using var browser = Browser.Start(Screenshots);
        browser.Driver.Navigate().GoToUrl(new Uri(gateway.Address, "/library").AbsoluteUri);

        browser.WaitVisible("sign-in");
        browser.Find("key-input").SendKeys("not-a-key");
        browser.Find("sign-in-button").Click();
        Browser.WaitFor(() => browser.Find("sign-in-error").Text is { Length: > 0 } t ? t : null, "the sign-in error");
        Assert.Equal("That key is not known to the gateway.", browser.Find("sign-in-error").Text);
        Assert.Null(browser.Script("return sessionStorage.getItem('model-gateway.key')"));

        browser.Find("key-input").Clear();
        browser.Find("key-input").SendKeys(TestKeys.Strict);
        browser.Find("sign-in-button").Click();
        browser.WaitVisible("app");
        Assert.Equal("strict-team", browser.Find("who-name").Text);
        Assert.False(browser.Visible("tab-decisions"));
        Assert.False(browser.Visible("who-admin"));
        browser.Find("sign-out").Click();
        browser.WaitVisible("sign-in");
        Assert.Null(browser.Script("return sessionStorage.getItem('model-gateway.key')"));
    }

    private static void Check(Browser browser, string url)
    {
        var input = browser.Find("url-input");
        input.Clear();
        input.SendKeys(url);
        var previous = browser.Find("facts-name").Text;
        browser.Find("check-button").Click();
        Browser.WaitFor(() => browser.Visible("facts") && browser.Find("check-button").Enabled && browser.Find("facts-name").Text != previous,
            $"the facts of {url}");
    }

    private static int ProgressValue(Browser browser) =>
        int.Parse(browser.Find("task-progress").GetAttribute("value") ?? "0", CultureInfo.InvariantCulture);

    /// <summary>The object as a storage host serves it, Range included, but slowly: 64 KB every 50 ms.</summary>
    private static async Task SlowObjectAsync(HttpContext context, byte[] bytes)
    {
        var (start, end) = (0L, bytes.LongLength - 1);
        if (RangeHeader().Match(context.Request.Headers.Range.ToString()) is { Success: true } range)
        {
            start = long.Parse(range.Groups[1].Value, CultureInfo.InvariantCulture);
            end = range.Groups[2].Length > 0 ? Math.Min(end, long.Parse(range.Groups[2].Value, CultureInfo.InvariantCulture)) : end;
            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = $"bytes {start}-{end}/{bytes.LongLength}";
        }
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = end - start + 1;
        context.Response.Headers.AcceptRanges = "bytes";
        context.Response.Headers.ETag = "\"" + Sha256(bytes)[..32] + "\"";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        const int Chunk = 64 * 1024;
        for (var offset = start; offset <= end; offset += Chunk)
        {
            var length = (int)Math.Min(Chunk, end - offset + 1);
            await context.Response.Body.WriteAsync(bytes.AsMemory((int)offset, length), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            if (end - start + 1 > Chunk * 4)
            {
                await Task.Delay(50, context.RequestAborted); // a short ranged read (the head) is not slowed
            }
        }
    }

    [GeneratedRegex(@"^bytes=(\d+)-(\d*)$")]
    private static partial Regex RangeHeader();

    [GeneratedRegex(@"^[0-9.]+ [KMG]?B of 6\.00 MB$")]
    private static partial Regex BytesOf();
}
