namespace KubeLab.Core.NodeRules;

/// <summary>The programs that write iptables rules on a k3s node.</summary>
[Flags]
public enum Component
{
    None = 0,
    KubeProxy = 1,
    Flannel = 2,
    Kubelet = 4,
    KubeRouter = 8,
    /// <summary>The CNI portmap plugin (hostPorts), which containerd runs for pods.</summary>
    Portmap = 16,
    All = KubeProxy | Flannel | Kubelet | KubeRouter | Portmap,
}

public static class ComponentNames
{
    /// <summary>The CLI spelling (<c>--component kube-proxy|flannel|kubelet|kube-router</c>).</summary>
    public static Component Parse(string text) => text switch
    {
        "kube-proxy" => Component.KubeProxy,
        "flannel" => Component.Flannel,
        "kubelet" => Component.Kubelet,
        "kube-router" => Component.KubeRouter,
        "portmap" => Component.Portmap,
        "all" => Component.All,
        _ => throw KubeLabException.Usage($"--component: Unsupported value: \"{text}\": supported values: \"kube-proxy\", \"flannel\", \"kubelet\", \"kube-router\", \"portmap\", \"all\""),
    };
}
