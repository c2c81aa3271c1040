using Microsoft.Playwright;

namespace KubeLab.Ui.Tests;

/// <summary>
/// Debian's chromium driven by Playwright for .NET. Playwright's own browser download cannot work here, so the
/// browser is the system's (`apt-get install chromium`); the Playwright driver ships inside the NuGet package.
/// </summary>
public static class Browser
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Skips loudly where chromium is missing; in CI (CI=true) a missing browser fails instead.</summary>
    public static void Require()
    {
        if (!File.Exists(Chromium) && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip.If(true, $"NOT RUN: {Chromium} is missing (apt-get install chromium; .ci/run installs it)");
        }
    }

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync(params string[] args)
    {
        // CI runs the test projects side by side on two cores: give the page time, still with a deadline.
        Assertions.SetDefaultExpectTimeout(15_000);
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = args });
        return (playwright, browser);
    }

    public static Task<IBrowserContext> ContextAsync(IBrowser browser) =>
        browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1680, Height = 1050 }, ColorScheme = ColorScheme.Light });

    /// <summary>
    /// Keeps a screenshot in the test output (screenshots/NAME.png); with KUBELAB_UPDATE_DOCS=1 also as
    /// docs/NAME.png for the README.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name, ILocator? part = null, bool fullPage = true)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        if (part is null)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        }
        else
        {
            await part.ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
        }

        Assert.True(new FileInfo(path).Length > 10_000, $"{path} is too small to hold a picture of the page");
        if (Environment.GetEnvironmentVariable("KUBELAB_UPDATE_DOCS") == "1")
        {
            File.Copy(path, Path.Combine(RepositoryRoot(), "docs", name + ".png"), overwrite: true);
        }
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KubeLab.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("KubeLab.slnx not found above the test output");
    }
}
