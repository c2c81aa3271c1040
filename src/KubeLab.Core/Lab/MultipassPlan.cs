using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using KubeLab.Core.Model;

namespace KubeLab.Core.Lab;

/// <summary>What `up --driver multipass` asks of multipass: VM sizes, image and the k3s version.</summary>
public sealed partial record MultipassOptions
{
    /// <summary>k3s's server with a workload needs about 1.6 GB; 2 CPUs / 4G is a comfortable floor (the seed used 4 / 8G / 30G).</summary>
    public int Cpus { get; init; } = 2;
    public string Memory { get; init; } = "4G";
    public string Disk { get; init; } = "20G";
    public string Image { get; init; } = "jammy";
    public string K3sVersion { get; init; } = LabDefaults.K3sVersion;
    /// <summary>multipass's own limit is 300 s per launch; a long cloud-init trips it (multipass #2574).</summary>
    public int LaunchTimeoutSeconds { get; init; } = 600;

    /// <summary>multipass's minimums (constants.h): 1 CPU, 128M memory, 512M disk; its own wording on failure.</summary>
    public void Validate()
    {
        if (Cpus < 1)
        {
            throw KubeLabException.Usage($"--cpus: Invalid value: {Cpus}: multipass needs at least 1 CPU");
        }

        if (MultipassSize.Bytes(Memory) is not { } memory || memory < MultipassSize.MinMemory)
        {
            throw KubeLabException.Usage($"--memory: Invalid memory size value supplied: {Memory}. (multipass's minimum is 128M; sizes are bytes or a number with K, M or G, e.g. 4G)");
        }

        if (MultipassSize.Bytes(Disk) is not { } disk || disk < MultipassSize.MinDisk)
        {
            throw KubeLabException.Usage($"--disk: Invalid disk size value supplied: {Disk}. (multipass's minimum is 512M; sizes are bytes or a number with K, M or G, e.g. 20G)");
        }

        if (!K3sVersionPattern().IsMatch(K3sVersion))
        {
            throw KubeLabException.Usage($"--k3s-version: Invalid value: \"{K3sVersion}\": expected a k3s release such as {LabDefaults.K3sVersion}");
        }

        if (string.IsNullOrWhiteSpace(Image) || Image.Any(char.IsWhiteSpace))
        {
            throw KubeLabException.Usage($"--image: Invalid value: \"{Image}\": an image name, alias or URL (e.g. jammy, 22.04)");
        }
    }

    [GeneratedRegex(@"^v\d+\.\d+\.\d+\+k3s\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex K3sVersionPattern();
}

/// <summary>multipass's size syntax (memory_size.cpp): bytes, or a decimal with K/M/G, optionally followed by B or iB; powers of 1024.</summary>
public static partial class MultipassSize
{
    public const long MinMemory = 128L << 20;
    public const long MinDisk = 512L << 20;

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)([KMG])?(?:i?B)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static long? Bytes(string text)
    {
        var match = Pattern().Match(text.Trim());
        if (!match.Success)
        {
            return null;
        }

        var value = decimal.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups[2].Value.ToUpperInvariant() switch { "K" => 1L << 10, "M" => 1L << 20, "G" => 1L << 30, _ => 1L };
        if (unit == 1 && match.Groups[1].Value.Contains('.', StringComparison.Ordinal))
        {
            return null;
        }

        return (long)(value * unit);
    }
}

/// <summary>
/// The multipass lab as commands (pure): the seed's deploy.sh, parallel, pinned and secure. The k3s join token
/// never appears in a command line: it goes to the VM on standard input and k3s reads it from a file
/// (K3S_TOKEN_FILE), so `ps` on either side never shows it.
/// </summary>
public static class MultipassPlan
{
    public const string Multipass = "multipass";
    public const string MarkerPath = "/etc/kubelab-lab";
    public const string TokenPath = "/etc/rancher/k3s/kubelab-token";
    public const string KubeconfigPath = "/etc/rancher/k3s/k3s.yaml";
    public const string InstallScriptUrl = "https://get.k3s.io";

    /// <summary>The lab whose VMs keep the cheat sheet's names (the default lab: `kubelab up` without `--name`).</summary>
    public const string CheatSheetLab = "kubelab";

    /// <summary>
    /// The multipass instance that carries <paramref name="node"/> of <paramref name="lab"/>. Instance names are
    /// machine-wide, so two labs cannot both have a "vm1": the default lab keeps the cheat sheet's vm1–vm3 (so
    /// `multipass shell vm1` and `multipass list` read as in the cheat sheet); every other lab's VMs are
    /// "&lt;lab&gt;-&lt;node&gt;". The Kubernetes node name stays the node's own in every lab (K3S_NODE_NAME), so chain
    /// names, `rules --node vm1` and `trace` read the same whatever the lab is called.
    /// </summary>
    public static string VmName(string lab, string node) => lab == CheatSheetLab ? node : $"{lab}-{node}";

    /// <summary>cloud-init user data: the user's key for `ubuntu`, kubectl completion and `k`, and the lab's marker.</summary>
    public static string CloudInit(string lab, string publicKey)
    {
        var text = new StringBuilder();
        text.Append("#cloud-config\n");
        text.Append(CultureInfo.InvariantCulture, $"# kubelab lab \"{lab}\": `kubelab down --name {lab}` deletes only VMs whose {MarkerPath} names this lab\n");
        text.Append("ssh_authorized_keys:\n");
        text.Append(CultureInfo.InvariantCulture, $"  - {publicKey.Trim()}\n");
        text.Append("write_files:\n");
        text.Append(CultureInfo.InvariantCulture, $"  - path: {MarkerPath}\n");
        text.Append("    permissions: '0644'\n");
        text.Append("    content: |\n");
        text.Append(CultureInfo.InvariantCulture, $"      {lab}\n");
        text.Append("  - path: /etc/bash.bashrc\n");
        text.Append("    append: true\n");
        text.Append("    content: |\n");
        text.Append("      # kubelab: kubectl completion and the alias k\n");
        text.Append("      if command -v kubectl >/dev/null 2>&1; then\n");
        text.Append("        source <(kubectl completion bash)\n");
        text.Append("        alias k=kubectl\n");
        text.Append("        complete -o default -F __start_kubectl k\n");
        text.Append("      fi\n");
        return text.ToString();
    }

    public static HostCommand Launch(MultipassOptions options, string node, string cloudInitPath) =>
        new(Multipass,
        [
            "launch", "-n", node, "-c", options.Cpus.ToString(CultureInfo.InvariantCulture), "-m", options.Memory, "-d", options.Disk,
            "--cloud-init", cloudInitPath, "--timeout", options.LaunchTimeoutSeconds.ToString(CultureInfo.InvariantCulture), options.Image,
        ], Comment: $"launch {node} (all VMs in parallel; exit code 5 is multipass's timeout: check again with info)");

    public static HostCommand Info(IEnumerable<string> nodes) =>
        new(Multipass, ["info", .. nodes, "--format", "json"], Comment: "poll until every VM is Running with an IPv4");

    /// <summary>Writes the token (given on standard input) into the VM, readable by root only.</summary>
    public static HostCommand WriteToken(string node, string tokenFile) =>
        new(Multipass, ["exec", node, "--", "sudo", "sh", "-c", $"umask 077 && mkdir -p /etc/rancher/k3s && cat > {TokenPath}"],
            Stdin: $"<the token in {tokenFile}>", Comment: $"the join token, on standard input, to {node}:{TokenPath} (0600)");

    /// <summary>k3s's server on <paramref name="vm"/>, registered as node <paramref name="node"/> (k3s reads K3S_NODE_NAME as --node-name).</summary>
    public static HostCommand InstallServer(MultipassOptions options, string vm, string node) =>
        new(Multipass,
        [
            "exec", vm, "--", "sh", "-c",
            $"curl -sfL {InstallScriptUrl} | sudo INSTALL_K3S_VERSION={options.K3sVersion} K3S_NODE_NAME={node} K3S_TOKEN_FILE={TokenPath} INSTALL_K3S_EXEC='server --disable servicelb' sh -",
        ], Comment: $"k3s {options.K3sVersion} server on {vm} (node {node})");

    public static HostCommand InstallAgent(MultipassOptions options, string vm, string node, string serverIP) =>
        new(Multipass,
        [
            "exec", vm, "--", "sh", "-c",
            $"curl -sfL {InstallScriptUrl} | sudo INSTALL_K3S_VERSION={options.K3sVersion} K3S_NODE_NAME={node} K3S_URL=https://{serverIP}:{LabDefaults.ApiServerPort} K3S_TOKEN_FILE={TokenPath} sh -",
        ], Comment: $"k3s agent on {vm} (node {node}), joining the server (agents in parallel)");

    public static HostCommand GetNodes(string server) =>
        new(Multipass, ["exec", server, "--", "sudo", "k3s", "kubectl", "get", "nodes", "-o", "json"], Comment: "poll until every node is Ready");

    public static HostCommand ReadKubeconfig(string server) =>
        new(Multipass, ["exec", server, "--", "sudo", "cat", KubeconfigPath]);

    public static HostCommand ReadMarker(string node) =>
        new(Multipass, ["exec", node, "--", "cat", MarkerPath]);

    public static HostCommand DeleteAndPurge(IEnumerable<string> nodes) =>
        new(Multipass, ["delete", "--purge", .. nodes], Comment: "only VMs whose marker names this lab");

    /// <summary>A node's live networking state, read with root inside the VM.</summary>
    public static IReadOnlyList<(string What, HostCommand Command)> NodeState(string node) =>
    [
        ("iptables-save", new(Multipass, ["exec", node, "--", "sudo", "iptables-save"])),
        ("ip route", new(Multipass, ["exec", node, "--", "ip", "route", "show"])),
        ("ip neigh", new(Multipass, ["exec", node, "--", "ip", "neigh", "show"])),
        ("bridge fdb", new(Multipass, ["exec", node, "--", "bridge", "fdb", "show"])),
    ];

    /// <summary>
    /// The whole plan as `up --dry-run` prints it: cloud-init, then each command. <paramref name="missingKey"/> says why
    /// there is no public key yet; the plan is shown anyway, with a placeholder in cloud-init.
    /// </summary>
    public static string DryRun(LabConfig config, MultipassOptions options, string cloudInit, string cloudInitPath, string tokenFile, string kubeconfigPath, string? missingKey = null)
    {
        var text = new StringBuilder();
        var lab = config.Name;
        var server = config.Server.Name;
        var serverVm = VmName(lab, server);
        var agents = config.Nodes.Where(n => n.Name != server).Select(n => n.Name).ToList();
        text.Append(CultureInfo.InvariantCulture, $"# kubelab up --driver multipass --name {lab}: {config.Nodes.Count} VMs, k3s {options.K3sVersion} (dry run: nothing is run)\n");
        text.Append(CultureInfo.InvariantCulture, $"# VMs: {string.Join(", ", config.Nodes.Select(n => VmName(lab, n.Name) == n.Name ? n.Name : $"{VmName(lab, n.Name)} (node {n.Name})"))}\n");
        if (missingKey is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"# missing: {missingKey}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"# cloud-init, written to {cloudInitPath}:\n");
        text.Append(cloudInit);
        text.Append('\n');
        void Add(HostCommand command)
        {
            if (command.Comment is not null)
            {
                text.Append("# ").Append(command.Comment).Append('\n');
            }

            text.Append(command.ToShell()).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture, $"# a random 256-bit join token is written to {tokenFile} (0600); it is never printed\n");
        foreach (var node in config.Nodes)
        {
            Add(Launch(options, VmName(lab, node.Name), cloudInitPath));
        }

        Add(Info(config.Nodes.Select(n => VmName(lab, n.Name))));
        Add(WriteToken(serverVm, tokenFile));
        Add(InstallServer(options, serverVm, server));
        foreach (var agent in agents)
        {
            Add(WriteToken(VmName(lab, agent), tokenFile));
            Add(InstallAgent(options, VmName(lab, agent), agent, $"<{serverVm}-ip>"));
        }

        Add(GetNodes(serverVm));
        Add(ReadKubeconfig(serverVm));
        text.Append(CultureInfo.InvariantCulture, $"# the kubeconfig, its server rewritten to https://<{serverVm}-ip>:{LabDefaults.ApiServerPort}, is written to {kubeconfigPath} (0600)\n");
        return text.ToString();
    }
}
