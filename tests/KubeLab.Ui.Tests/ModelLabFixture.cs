using Microsoft.Playwright;

namespace KubeLab.Ui.Tests;

/// <summary>The seed lab as a model (`--driver none`: no root), its UI server and one chromium, shared by a test class.</summary>
public sealed class ModelLabFixture : IAsyncLifetime
{
    public UiLab Lab { get; private set; } = null!;

    public IPlaywright? Playwright { get; private set; }

    public IBrowser? Browser { get; private set; }

    public async Task InitializeAsync()
    {
        Lab = await UiLab.StartAsync("none");
        if (File.Exists(Tests.Browser.Chromium))
        {
            (Playwright, Browser) = await Tests.Browser.LaunchAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        Playwright?.Dispose();
        await Lab.DisposeAsync();
    }

    public async Task<IPage> OpenAsync(string path)
    {
        Tests.Browser.Require();
        var context = await Tests.Browser.ContextAsync(Browser!);
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(Lab.Server.Url, path).ToString());
        return page;
    }
}

/// <summary>One model lab, server and browser for all tests that need no root; its tests run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ModelLabCollection : ICollectionFixture<ModelLabFixture>
{
    public const string Name = "model lab";
}
