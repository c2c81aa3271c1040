using KubeLab.Cli;
using KubeLab.Realize.Store;

namespace KubeLab.Ui.Tests;

/// <summary>
/// A lab of the test's own (unique name, private KUBELAB_HOME) driven through the CLI's own entry point, and the UI
/// server on it, started as `kubelab ui` starts it (<see cref="Cli.Commands.UiCommand.SourceFor"/>).
/// </summary>
public sealed class UiLab : IAsyncDisposable
{
    private UiLab(string home, string name, CliContext context)
    {
        Home = home;
        Name = name;
        Context = context;
    }

    public string Home { get; }

    public string Name { get; }

    public CliContext Context { get; }

    public UiServer Server { get; private set; } = null!;

    public ILabSource Source { get; private set; } = null!;

    public static async Task<UiLab> StartAsync(string driver, string scenario = "seed")
    {
        var home = Path.Combine(Path.GetTempPath(), "kubelab-ui-" + Guid.NewGuid().ToString("N")[..8]);
        var name = "u" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        // a private kubeconfig: the tests never touch the user's ~/.kube/config
        var context = new CliContext { Store = new LabStore(home), Out = new StringWriter(), Err = new StringWriter(), Kubeconfig = () => Path.Combine(home, "kube", "config") };
        var lab = new UiLab(home, name, context);
        try
        {
            // the seed pins the addresses that k3s's ServiceLB pods would take: its cluster ran without it
            lab.Ok("up", "--driver", driver, "--name", name, "--disable", "servicelb");
            lab.Ok("apply", "-f", scenario, "--name", name);
            lab.Source = Cli.Commands.UiCommand.SourceFor(context, name);
            lab.Server = await UiServer.StartAsync(lab.Source, driver, port: 0);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs `kubelab ARGS` in this process against the lab's home; fails the test on a non-zero exit.</summary>
    public string Ok(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext { Store = Context.Store, Out = output, Err = error, Kubeconfig = Context.Kubeconfig };
        var code = Program.Run(args, context);
        Assert.True(code == 0, $"kubelab {string.Join(' ', args)} exited {code}:\n{output}\n{error}");
        // the user's own kubeconfig never hears of the test's lab (it once got the context, made current, then removed)
        var user = Cli.Commands.UpCommand.DefaultKubeconfig();
        Assert.False(File.Exists(user) && File.ReadAllText(user).Contains($"kubelab-{Name}", StringComparison.Ordinal), $"kubelab {string.Join(' ', args)} wrote the test lab's context into {user}");
        return output.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (Context.Store.Exists(Name))
        {
            Program.Run(["down", "--name", Name], new CliContext { Store = Context.Store, Out = new StringWriter(), Err = new StringWriter(), Kubeconfig = Context.Kubeconfig });
        }

        foreach (var ns in Realize.Netns.NetnsDriver.ExistingNamespaces(Name))
        {
            using var process = System.Diagnostics.Process.Start("ip", ["netns", "del", ns]);
            await process.WaitForExitAsync();
        }

        if (Directory.Exists(Home))
        {
            Directory.Delete(Home, recursive: true);
        }
    }
}
