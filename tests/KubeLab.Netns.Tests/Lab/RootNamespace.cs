using System.Globalization;
using KubeLab.Realize.Netns;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>What a lab must never change, and what it must not leave behind.</summary>
internal static class RootNamespace
{
    /// <summary>The root namespace's links, addresses, routes, permanent neighbours, iptables and the sysctls a lab sets in its own namespaces.</summary>
    public static string State()
    {
        static string Sorted(string text) => string.Join('\n', text.Split('\n').Where(l => !l.StartsWith('#')).Order(StringComparer.Ordinal));
        return string.Join("\n--\n",
            Sorted(HostCommand.Check("ip", "-o", "link", "show")).Replace("\\", "", StringComparison.Ordinal),
            Sorted(HostCommand.Check("ip", "-o", "addr", "show")),
            Sorted(HostCommand.Check("ip", "route", "show", "table", "all")),
            Sorted(HostCommand.Check("ip", "neigh", "show", "nud", "permanent")),
            Sorted(HostCommand.Check("iptables-save")),
            Sorted(HostCommand.Check("sysctl", "net.ipv4.ip_forward", "net.ipv4.conf.all.route_localnet", "net.bridge.bridge-nf-call-iptables",
                "net.ipv4.conf.all.forwarding", "net.ipv4.conf.default.forwarding", "net.ipv4.conf.all.rp_filter")));
    }

    /// <summary>
    /// What is left of a lab after `down`: its namespaces, /etc/netns entries, kubeconfig context and live processes
    /// (found by command line, namespace name, or a network namespace that is none of the root's); empty when clean.
    /// </summary>
    public static IReadOnlyList<string> Leftovers(string lab, string home, string kubeconfig)
    {
        var left = new List<string>();
        left.AddRange(NetnsDriver.ExistingNamespaces(lab).Select(ns => $"namespace {ns}"));
        if (Directory.Exists("/etc/netns"))
        {
            left.AddRange(Directory.GetDirectories("/etc/netns", $"kl-{lab}.*").Select(d => $"/etc/netns entry {d}"));
        }

        if (File.Exists(kubeconfig) && File.ReadAllText(kubeconfig).Contains($"kubelab-{lab}", StringComparison.Ordinal))
        {
            left.Add($"kubeconfig context kubelab-{lab} in {kubeconfig}");
        }

        var labDir = Path.Combine(home, lab);
        foreach (var entry in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string commandLine, environment;
            try
            {
                commandLine = File.ReadAllText($"{entry}/cmdline").Replace('\0', ' ');
                environment = File.ReadAllText($"{entry}/environ");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if ((commandLine.Contains(labDir, StringComparison.Ordinal) || commandLine.Contains($"kl-{lab}.", StringComparison.Ordinal)
                || environment.Contains(labDir, StringComparison.Ordinal)) && LabProcesses.Alive(pid))
            {
                left.Add($"process {pid}: {commandLine}");
            }
        }

        return left;
    }
}
