using KubeLab.Cli;
using KubeLab.Realize.Store;

namespace KubeLab.Core.Tests.Cli;

/// <summary>Runs kubelab in-process against a private lab store.</summary>
internal sealed class CliHarness : IDisposable
{
    public CliHarness(Func<DateTimeOffset>? now = null)
    {
        Home = Path.Combine(Path.GetTempPath(), "kubelab-test-" + Guid.NewGuid().ToString("N")[..8]);
        Now = now ?? (() => DateTimeOffset.UtcNow);
    }

    public string Home { get; }

    public Func<DateTimeOffset> Now { get; set; }

    public LabStore Store => new(Home);

    /// <summary>
    /// False (the default): `--driver none` labs are the model alone, without an agent process or API server, so that
    /// in-process tests stay fast and start nothing; true: the real driver, agent and API server.
    /// </summary>
    public bool ApiServer { get; set; }

    /// <summary>The kubeconfig that up merges the lab's context into (inside the private home, never ~/.kube/config).</summary>
    public string Kubeconfig => Path.Combine(Home, "kube", "config");

    /// <summary>Replaces drivers by name (e.g. multipass over the stand-in); null falls back to the real ones.</summary>
    public Func<string, LabStore, KubeLab.Realize.Drivers.ILabDriver?>? Drivers { get; set; }

    public (int Code, string Out, string Err) Run(params string[] args) => RunWithInput("", args);

    public (int Code, string Out, string Err) RunWithInput(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext
        {
            Store = Store,
            Out = output,
            Err = error,
            Now = () => Now(),
            In = new StringReader(stdin),
            Kubeconfig = () => Kubeconfig,
            DriverFactory = name => Drivers?.Invoke(name, Store)
                ?? (name == "none" && !ApiServer ? new KubeLab.Realize.Drivers.NoneDriver() : DriverRegistry.Create(name, Store)),
        };
        var code = Program.Run(args, context);
        return (code, output.ToString(), error.ToString());
    }

    public string Ok(params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.True(code == 0, $"kubelab {string.Join(' ', args)} exited {code}: {error}");
        return output;
    }

    public void Dispose()
    {
        if (Directory.Exists(Home))
        {
            Directory.Delete(Home, recursive: true);
        }
    }
}
