using System.Globalization;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>The lab's files are its owner's alone, and its agent leaves no diagnostics socket behind (issue 13, item 20).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class SeedLabTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    [SkippableFact]
    public void State_agent_state_logs_and_nginx_configs_are_0600_in_0700_folders()
    {
        RequireRoot();
        var folder = Path.Combine(lab.Kubelab.Home, lab.Name);
        Assert.Equal(PrivateFolder, File.GetUnixFileMode(folder));
        foreach (var file in new[] { "state.json", "agent-state.json", "agent.log", "agent.pid", "kubeconfig" })
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
    public void The_agent_runs_without_a_diagnostics_socket()
    {
        RequireRoot();
        var pid = File.ReadAllText(Path.Combine(lab.Kubelab.Home, lab.Name, KubeLab.Realize.Netns.AgentLauncher.PidFileName)).Trim();
        Assert.True(KubeLab.Realize.Netns.LabProcesses.Alive(int.Parse(pid, CultureInfo.InvariantCulture)));
        // the runtime names its diagnostics IPC socket /tmp/dotnet-diagnostic-<pid>-<start time>-socket
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-*"));
        Assert.Contains("DOTNET_EnableDiagnostics=0", File.ReadAllText($"/proc/{pid}/environ").Split('\0'));
    }
}
