namespace KubeLab.Core.Lab;

/// <summary>
/// How `kubelab exec` runs a command so that a node or pod looks like the machine or container it plays:
/// <list type="bullet">
/// <item>`ip netns exec` enters the network namespace, gives the command a private mount namespace and mounts the
/// target's /etc/netns files (resolv.conf, hosts) over /etc;</item>
/// <item>`unshare --uts` gives it a UTS namespace whose hostname is the pod's (its spec.hostname or name, as the
/// kubelet sets it) or the node's, as a container or VM has its own;</item>
/// <item>in a pod, the host's /run/netns is hidden (a container does not see the node's namespace names), so `ip`
/// shows the peer of eth0 as "link-netnsid 0", the id the pod's namespace gives the node's, as in a real pod;</item>
/// <item>on a node, the node's run files (flannel's subnet.env) are mounted on /run/flannel.</item>
/// </list>
/// The mounts stay in the command's private mount namespace: the host sees none of them.
/// </summary>
public static class NetnsExec
{
    /// <summary>The argv that runs <paramref name="command"/> as the pod or node named <paramref name="hostname"/>.</summary>
    /// <param name="runFlannel">A node's folder holding subnet.env, mounted on /run/flannel; null for a pod.</param>
    public static IReadOnlyList<string> Argv(string netns, string hostname, bool isPod, string? runFlannel, IReadOnlyList<string> command)
    {
        // $1 is the hostname, then (node) the run folder, then the command; the script's words are fixed and the
        // variable parts are arguments, so nothing is parsed by the shell twice. /run/flannel is made (empty) on the
        // host if missing, since a mount needs a mount point; `down` removes it again when it is empty.
        var script = isPod
            ? "hostname \"$1\" && mount -t tmpfs -o size=4k,mode=755 kubelab-pod /run/netns && shift && exec \"$@\""
            : "hostname \"$1\" && mkdir -p /run/flannel && mount --bind \"$2\" /run/flannel && shift 2 && exec \"$@\"";
        var argv = new List<string> { "ip", "netns", "exec", netns, "unshare", "--uts", "--", "sh", "-c", script, "kubelab-exec", hostname };
        if (!isPod)
        {
            argv.Add(runFlannel ?? throw new ArgumentNullException(nameof(runFlannel), "a node needs its run folder"));
        }

        argv.AddRange(command);
        return argv;
    }

    /// <summary>
    /// The argv for a machine that is neither node nor pod (the host, vm-ext): its namespace and hostname, the
    /// machine's own /etc (no /etc/netns files are written for it).
    /// </summary>
    public static IReadOnlyList<string> MachineArgv(string netns, string hostname, IReadOnlyList<string> command) =>
        ["ip", "netns", "exec", netns, "unshare", "--uts", "--", "sh", "-c", "hostname \"$1\" && shift && exec \"$@\"", "kubelab-exec", hostname, .. command];
}
