using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace ModelGateway.IntegrationTests.LibraryPage;

/// <summary>
/// Headless Chromium driven through chromedriver (Debian's <c>chromium</c> and <c>chromium-driver</c>, which
/// <c>.ci/run</c> installs). Neither found → the test fails with how to install them; it never skips. Screenshots go to
/// <see cref="ScreenshotDirectory"/>.
/// </summary>
internal sealed class Browser : IDisposable
{
    private static readonly string[] ChromiumNames = ["chromium", "chromium-browser", "google-chrome"];

    private Browser(ChromeDriver driver, string screenshots)
    {
        Driver = driver;
        ScreenshotDirectory = screenshots;
    }

    public ChromeDriver Driver { get; }

    public string ScreenshotDirectory { get; }

    public static Browser Start(string screenshotDirectory, int width = 1280, int height = 900)
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured ? configured : ChromiumNames.Select(FindOnPath).FirstOrDefault(p => p is not null);
        var driverPath = Environment.GetEnvironmentVariable("CHROMEDRIVER_PATH") is { Length: > 0 } d ? d : FindOnPath("chromedriver");
        if (chromium is null || driverPath is null)
        {
            throw new InvalidOperationException("The page test needs Chromium and its driver: apt-get install -y chromium chromium-driver " +
                "(or set CHROMIUM_PATH and CHROMEDRIVER_PATH).");
        }
        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--force-device-scale-factor=1", "--lang=en-US", "--hide-scrollbars", $"--window-size={width},{height}");
        options.SetLoggingPreference(LogType.Browser, OpenQA.Selenium.LogLevel.All);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driverPath)!, Path.GetFileName(driverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        Directory.CreateDirectory(screenshotDirectory);
        return new Browser(driver, screenshotDirectory);
    }

    public IWebElement Find(string id) => Driver.FindElement(By.Id(id));

    public bool Visible(string id) => Driver.FindElements(By.Id(id)) is [var element] && element.Displayed;

    /// <summary>Waits up to <paramref name="seconds"/> for <paramref name="condition"/>; the last value it saw otherwise fails the test.</summary>
    public static T WaitFor<T>(Func<T?> condition, string what, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (condition() is { } value && value is not false)
                {
                    return value;
                }
            }
            catch (WebDriverException ex)
            {
                last = ex; // the element is being replaced: look again
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"Waited {seconds} s for {what}.", last);
    }

    public void WaitVisible(string id, double seconds = 20) => WaitFor(() => Visible(id), $"#{id} to show", seconds);

    /// <summary>The viewport as a PNG under the screenshot directory.</summary>
    public string Screenshot(string name)
    {
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    /// <summary>What the page wrote to the browser's console (CSP violations included).</summary>
    public IReadOnlyList<string> ConsoleMessages() => [.. Driver.Manage().Logs.GetLog(LogType.Browser).Select(entry => entry.Message)];

    public void Resize(int width, int height) => Driver.Manage().Window.Size = new System.Drawing.Size(width, height);

    public object? Script(string script, params object[] args) => Driver.ExecuteScript(script, args);

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
