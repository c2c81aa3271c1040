using System.CommandLine;
using KubeLab.Core.Model;

namespace KubeLab.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("version", "Print KubeLab's version and the k3s version it imitates.");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
            context.Out.WriteLine($"kubelab {version} (imitates k3s {LabDefaults.K3sVersion}: kube-proxy iptables mode, flannel v0.24.2 VXLAN, CoreDNS 1.10.1)");
            return 0;
        });
        return command;
    }
}
