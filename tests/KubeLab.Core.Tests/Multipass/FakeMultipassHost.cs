using System.Text.Json;
using KubeLab.Core.Tests.Cli;
using KubeLab.Realize.Multipass;
using KubeLab.Realize.Store;

namespace KubeLab.Core.Tests.Multipass;

/// <summary>One stand-in multipass (tests/KubeLab.FakeMultipass) with its own VMs, and a kubelab wired to it.</summary>
internal sealed class FakeMultipassHost : IDisposable
{
    public FakeMultipassHost()
    {
        Home = Path.Combine(Path.GetTempPath(), "fake-multipass-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Home);
        Environment["FAKE_MULTIPASS_HOME"] = Home;
        Environment["FAKE_MULTIPASS_LAUNCH_MS"] = "400";
        Environment["FAKE_MULTIPASS_READY_MS"] = "100";
        SshKey = Path.Combine(Home, "id_ed25519.pub");
        File.WriteAllText(SshKey, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKubeLabTestKeyNotARealKeyAtAll0000000000 test@kubelab\n");
        Cli = new CliHarness { Drivers = (name, store) => name == "multipass" ? Driver(store) : null };
    }

    public string Home { get; }

    public string SshKey { get; }

    public Dictionary<string, string?> Environment { get; } = [];

    public CliHarness Cli { get; }

    public MultipassTimings Timings { get; set; } = new(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

    public string Executable { get; set; } = FakeExecutable;

    /// <summary>The stand-in's apphost, built next to the tests (tests/KubeLab.FakeMultipass/bin/CONFIG/net10.0/multipass).</summary>
    public static string FakeExecutable
    {
        get
        {
            var sep = Path.DirectorySeparatorChar;
            var folder = AppContext.BaseDirectory.Replace($"{sep}KubeLab.Core.Tests{sep}", $"{sep}KubeLab.FakeMultipass{sep}", StringComparison.Ordinal);
            var path = Path.Combine(folder, OperatingSystem.IsWindows() ? "multipass.exe" : "multipass");
            Assert.True(File.Exists(path), $"the stand-in multipass was not built at {path}");
            return path;
        }
    }

    public MultipassCli Multipass => new(Executable, Environment);

    public MultipassDriver Driver(LabStore store) => new(store, Multipass, Timings);

    /// <summary>Runs the stand-in directly (to prepare VMs that are not the lab's).</summary>
    public string Run(params string[] args)
    {
        var result = CliWrap.Cli.Wrap(Executable).WithArguments(args).WithEnvironmentVariables(Environment)
            .WithValidation(CliWrap.CommandResultValidation.None);
        var output = CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(result).GetAwaiter().GetResult();
        Assert.True(output.ExitCode == 0, $"multipass {string.Join(' ', args)}: {output.StandardError}");
        return output.StandardOutput;
    }

    /// <summary>Launches a VM with an optional cloud-init (e.g. another lab's marker).</summary>
    public void LaunchForeign(string name, string? markerLab)
    {
        var args = new List<string> { "launch", "-n", name };
        if (markerLab is not null)
        {
            var file = Path.Combine(Home, $"{name}-cloud-init.yaml");
            File.WriteAllText(file, Core.Lab.MultipassPlan.CloudInit(markerLab, "ssh-ed25519 AAAA other@host"));
            args.AddRange(["--cloud-init", file]);
        }

        args.Add("jammy");
        Run([.. args]);
    }

    public IReadOnlyList<string> Vms() =>
        Directory.Exists(Path.Combine(Home, "vms"))
            ? [.. Directory.GetFiles(Path.Combine(Home, "vms"), "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)]
            : [];

    public string LogText => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    private string LogPath => Path.Combine(Home, "log.jsonl");

    public sealed record Entry(DateTimeOffset Time, IReadOnlyList<string> Argv, string? Event, string? Name);

    public IReadOnlyList<Entry> Log() =>
        [.. LogText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return new Entry(
                DateTimeOffset.Parse(root.GetProperty("t").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                root.TryGetProperty("argv", out var argv) ? [.. argv.EnumerateArray().Select(a => a.GetString()!)] : [],
                root.TryGetProperty("event", out var e) ? e.GetString() : null,
                root.TryGetProperty("name", out var n) ? n.GetString() : null);
        })];

    /// <summary>A file the stand-in keeps inside a VM (e.g. the token k3s reads).</summary>
    public string? FileInVm(string vm, string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Home, "vms", vm + ".json")));
        return json.RootElement.GetProperty("files").TryGetProperty(path, out var value) ? value.GetString() : null;
    }

    /// <summary>The loopback address the stand-in gave a VM (127.0.94.N, in launch order).</summary>
    public string Address(string vm)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Home, "vms", vm + ".json")));
        return json.RootElement.GetProperty("address").GetString()!;
    }

    public void Dispose()
    {
        Cli.Dispose();
        if (Directory.Exists(Home))
        {
            Directory.Delete(Home, recursive: true);
        }
    }
}
