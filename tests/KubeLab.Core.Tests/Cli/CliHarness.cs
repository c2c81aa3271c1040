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
            DriverFactory = Drivers is null ? null : name => Drivers(name, Store) ?? DriverRegistry.Create(name, Store),
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
