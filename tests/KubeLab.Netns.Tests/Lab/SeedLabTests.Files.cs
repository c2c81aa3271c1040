using System.Globalization;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>The lab's files are its owner's alone, and its agent leaves no diagnostics socket behind (issue 13, item 20).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class SeedLabTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    [SkippableFact]
    public void State_database_agent_state_logs_and_nginx_configs_are_0600_in_0700_folders()
    {
        RequireRoot();
        var folder = Path.Combine(lab.Kubelab.Home, lab.Name);
        Assert.Equal(PrivateFolder, File.GetUnixFileMode(folder));
        // SQLite's write-ahead log and index exist while a connection is open (and after a process that had one exits)
        var logs = new[] { "state.db-wal", "state.db-shm" }.Where(f => File.Exists(Path.Combine(folder, f)));
        foreach (var file in new[] { "state.db", "agent-state.json", "agent.log", "agent.pid", "kubeconfig" }.Concat(logs))
        {
            Assert.True(Private == File.GetUnixFileMode(Path.Combine(folder, file)), $"{file} is {File.GetUnixFileMode(Path.Combine(folder, file))}");
        }

        var nginx = Directory.GetDirectories(Path.Combine(folder, "nginx"));
        Assert.Equal(3, nginx.Length);
        Assert.Equal(PrivateFolder, File.GetUnixFileMode(Path.Combine(folder, "nginx")));
        foreach (var pod in nginx)
        {
            Assert.Equal(PrivateFolder, File.GetUnixFileMode(pod));
            Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(pod, "nginx.conf")));
            Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(pod, "error.log")));
        }
    }

    [SkippableFact]
    public void Nginx_workers_run_as_www_data_and_read_only_what_they_serve()
    {
        RequireRoot();
        var masters = Directory.GetFiles(Path.Combine(lab.Kubelab.Home, lab.Name, "nginx"), "nginx.pid", SearchOption.AllDirectories)
            .Select(f => int.Parse(File.ReadAllText(f).Trim(), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, masters.Count);
        var wwwData = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).Single(f => f[0] == "www-data")[2];
        foreach (var master in masters)
        {
            Assert.Equal("0", Uid(master)); // the master binds port 80 and opens the logs as root, as the package's does
            var workers = Directory.GetDirectories("/proc").Select(Path.GetFileName)
                .Where(p => p!.All(char.IsAsciiDigit) && ParentOf(p!) == master.ToString(CultureInfo.InvariantCulture)).ToList();
            Assert.NotEmpty(workers);
            Assert.All(workers, w => Assert.Equal(wwwData, Uid(w!)));
        }

        // the lab folder stays its owner's alone; the page is the workers' group's to read, nobody else's
        Assert.Equal(PrivateFolder, File.GetUnixFileMode(Path.Combine(lab.Kubelab.Home, lab.Name)));
        var served = Directory.GetDirectories(KubeLab.Realize.Workloads.NginxWorkload.ServedRoot, $"kl-{lab.Name}.*");
        Assert.Equal(3, served.Length);
        foreach (var folder in served)
        {
            Assert.Equal(PrivateFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(folder));
            Assert.Equal(Private | UnixFileMode.GroupRead, File.GetUnixFileMode(Path.Combine(folder, "html", "index.html")));
        }

        Assert.Contains("Welcome to nginx", lab.ExecOk("test-pod", "curl", "-s", "-m", "5", "http://nginx-service/"), StringComparison.Ordinal);
    }

    private static string Uid(string pid) => File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1];

    private static string Uid(int pid) => Uid(pid.ToString(CultureInfo.InvariantCulture));

    private static string? ParentOf(string pid)
    {
        try
        {
            return File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal))?.Split('\t')[1];
        }
        catch (IOException)
        {
            return null;
        }
    }

    [SkippableFact]
    public void The_agent_runs_without_a_diagnostics_socket()
    {
        RequireRoot();
        var pid = File.ReadAllText(Path.Combine(lab.Kubelab.Home, lab.Name, KubeLab.Realize.Netns.AgentLauncher.PidFileName)).Trim();
        Assert.True(KubeLab.Realize.Netns.LabProcesses.Alive(int.Parse(pid, CultureInfo.InvariantCulture)));
        // the runtime names its diagnostics IPC socket /tmp/dotnet-diagnostic-<pid>-<start time>-socket, the start time
        // in clock ticks as /proc/<pid>/stat gives it (a socket left by an earlier process with the same pid is not its)
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var startTime = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-{startTime}-socket")));
        Assert.Contains("DOTNET_EnableDiagnostics=0", File.ReadAllText($"/proc/{pid}/environ").Split('\0'));
    }
}
