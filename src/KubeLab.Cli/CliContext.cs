using KubeLab.Cli.Rendering;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.Model;
using KubeLab.Realize.Drivers;
using KubeLab.Realize.Netns;
using KubeLab.Realize.Store;

namespace KubeLab.Cli;

/// <summary>What every command needs: the store, the clock, the output streams and the drivers.</summary>
public sealed class CliContext
{
    public required LabStore Store { get; init; }
    public required TextWriter Out { get; init; }
    public required TextWriter Err { get; init; }
    /// <summary>
    /// For a command's one large output (`rules` of a 10,000-Service node: 32 MB): a writer over standard output
    /// that buffers and flushes when disposed; Console.Out flushes on every write. By default (tests) a writer that
    /// writes to <see cref="Out"/> and leaves it open.
    /// </summary>
    public Func<TextWriter>? OpenBulkOut { get; init; }

    public TextWriter BulkOut()
    {
        Out.Flush();
        return OpenBulkOut?.Invoke() ?? new UnclosedWriter(Out);
    }
    public Func<DateTimeOffset> Now { get; init; } = () => DateTimeOffset.UtcNow;
    public bool IsTerminal { get; init; }
    /// <summary>Replaces the drivers (tests); by default <see cref="DriverRegistry"/>.</summary>
    public Func<string, ILabDriver>? DriverFactory { get; init; }

    public ILabDriver Drivers(string name) => DriverFactory?.Invoke(name) ?? DriverRegistry.Create(name, Store);
    public TextReader In { get; init; } = Console.In;
    /// <summary>The user's kubeconfig that up and down keep (kubectl's: the first file of $KUBECONFIG, else ~/.kube/config).</summary>
    public Func<string> Kubeconfig { get; init; } = Commands.UpCommand.DefaultKubeconfig;

    public IStepReporter Steps() => IsTerminal ? new SpinnerStepReporter(Out) : new PlainStepReporter(Out);

    /// <summary>The lab as it is realised: the store, or the newer state the agent serves if a change was killed before its state write.</summary>
    public ClusterState Load(string lab) => AgentLauncher.RollForward(Store.LabDir(lab), Store.Load(lab));

    public ClusterSnapshot Snapshot(string lab) => SnapshotBuilder.FromState(Load(lab));

    public ILabDriver DriverOf(ClusterState state) => Drivers(state.Config.Driver);

    public static string DefaultLabName() =>
        Environment.GetEnvironmentVariable("KUBELAB_LAB") is { Length: > 0 } name ? name : LabStore.DefaultLab;
}

/// <summary>Writes to another writer and flushes it when disposed, without closing it.</summary>
internal sealed class UnclosedWriter(TextWriter inner) : TextWriter
{
    public override System.Text.Encoding Encoding => inner.Encoding;

    public override void Write(char value) => inner.Write(value);

    public override void Write(string? value) => inner.Write(value);

    public override void Write(ReadOnlySpan<char> buffer) => inner.Write(buffer);

    public override void Flush() => inner.Flush();

    protected override void Dispose(bool disposing)
    {
        inner.Flush();
        base.Dispose(disposing);
    }
}

/// <summary>The drivers by name.</summary>
public static class DriverRegistry
{
    public static readonly IReadOnlyList<string> Names = ["netns", "multipass", "none"];

    public static ILabDriver Create(string name, LabStore store) => name switch
    {
        "none" => new NoneDriver(store, new AgentLauncher(AgentLauncher.SelfCommand(typeof(Program).Assembly.Location))),
        "multipass" => new KubeLab.Realize.Multipass.MultipassDriver(store, new KubeLab.Realize.Multipass.MultipassCli()),
        "netns" => new NetnsDriver(store, new NodeRulesSource(), new AgentLauncher(AgentLauncher.SelfCommand(typeof(Program).Assembly.Location))),
        _ => throw KubeLabException.Usage($"--driver: Unsupported value: \"{name}\": supported values: {string.Join(", ", Names.Select(n => $"\"{n}\""))}"),
    };
}
