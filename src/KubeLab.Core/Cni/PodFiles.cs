using System.Security.Cryptography;
using System.Text;
using KubeLab.Core.Model;

namespace KubeLab.Core.Cni;

/// <summary>What kubelet and the CNI plugins write for a pod: resolv.conf, hosts, the host-side veth name.</summary>
public static class PodFiles
{
    /// <summary>
    /// kubelet's resolv.conf for dnsPolicy ClusterFirst: the namespace's search path, the cluster domain's,
    /// then the node's own search domains (multipass's "multipass"), the cluster DNS service, ndots:5.
    /// </summary>
    public static string ResolvConf(LabConfig config, Pod pod)
    {
        var dnsPolicy = pod.Annotations.GetValueOrDefault("kubelab.io/dns-policy");
        if (dnsPolicy == "Default")
        {
            return NodeResolvConf(config);
        }

        var domain = config.ClusterDomain;
        var search = new List<string> { $"{pod.Namespace}.svc.{domain}", $"svc.{domain}", domain };
        if (!string.IsNullOrEmpty(config.HostSearchDomain))
        {
            search.Add(config.HostSearchDomain);
        }

        return $"search {string.Join(' ', search)}\nnameserver {config.ClusterDns}\noptions ndots:5\n";
    }

    /// <summary>The node's resolv.conf (what systemd-resolved's upstream file holds in a multipass VM).</summary>
    public static string NodeResolvConf(LabConfig config) =>
        $"nameserver {config.Gateway}\n" + (string.IsNullOrEmpty(config.HostSearchDomain) ? "" : $"search {config.HostSearchDomain}\n");

    /// <summary>kubelet's managed /etc/hosts (pkg/kubelet/kubelet_pods.go managedHostsFileContent).</summary>
    public static string Hosts(Pod pod)
    {
        var text = new StringBuilder();
        text.Append("# Kubernetes-managed hosts file.\n");
        text.Append("127.0.0.1\tlocalhost\n");
        text.Append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        text.Append("fe00::0\tip6-localnet\n");
        text.Append("fe00::0\tip6-mcastprefix\n");
        text.Append("fe00::1\tip6-allnodes\n");
        text.Append("fe00::2\tip6-allrouters\n");
        if (pod.IP is not null)
        {
            var name = pod.Hostname ?? pod.Name;
            text.Append(pod.IP).Append('\t').Append(name).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// The bridge plugin names the host end "veth" + 4 random bytes in hex. KubeLab derives the bytes from
    /// the pod's identity so that a rebuilt lab gets the same names.
    /// </summary>
    public static string HostVethName(string lab, Pod pod)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{lab}/{pod.Namespace}/{pod.Name}"));
        return "veth" + Convert.ToHexStringLower(hash.AsSpan(0, 4));
    }
}
