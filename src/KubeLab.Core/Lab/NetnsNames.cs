using System.Security.Cryptography;
using System.Text;

namespace KubeLab.Core.Lab;

/// <summary>
/// Names of a netns lab's kernel objects. Every namespace starts with "kl-&lt;lab&gt;." (a dot cannot occur in
/// a lab name), so `down` finds exactly this lab's namespaces even without its state.
/// </summary>
public static class NetnsNames
{
    public const string Prefix = "kl-";

    /// <summary>The multipass host bridge, in the underlay namespace.</summary>
    public const string HostBridge = "mpqemubr0";

    public const string NodeUplink = "ens3";
    public const string PodBridge = "cni0";
    public const string Vxlan = "flannel.1";

    /// <summary>`kubelab exec host`: the machine the VMs live on, played by the underlay namespace (never the root one).</summary>
    public const string HostMachine = "host";

    /// <summary>The later cheat sheet's external VM: a namespace on VLAN 100 only, not a node.</summary>
    public const string ExternalVmMachine = "vm-ext";

    /// <summary>
    /// The host's end of VLAN 100, as external-net.sh names it. This kernel has no 802.1Q (8021q) driver, so the VLAN is
    /// its own bridge in the underlay namespace rather than a VLAN device on mpqemubr0; each machine's ens3.100 is a
    /// veth into it.
    /// </summary>
    public const string ExternalBridge = "mpqemubr0.100";

    public const string ExternalUplink = "ens3.100";

    public static string LabPrefix(string lab) => $"{Prefix}{lab}.";

    public static string Underlay(string lab) => $"{LabPrefix(lab)}ul";

    public static string Node(string lab, string node) => $"{LabPrefix(lab)}{node}";

    public static string ExternalVm(string lab) => $"{LabPrefix(lab)}{ExternalVmMachine}";

    /// <summary>The bridge end of a machine's ens3.100. IFNAMSIZ: 15.</summary>
    public static string VlanTap(string machine) => $"v100-{machine}".Length <= 15 ? $"v100-{machine}" : $"v100-{machine[..10]}";

    /// <summary>Pod namespaces: kl-&lt;lab&gt;.&lt;namespace&gt;.&lt;pod&gt; (namespaces have no dots), hashed when too long for a file name.</summary>
    public static string Pod(string lab, string ns, string pod)
    {
        var name = $"{LabPrefix(lab)}{ns}.{pod}";
        if (name.Length <= 200)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 6));
        return $"{LabPrefix(lab)}{ns}.{pod[..40]}-{hash}";
    }

    /// <summary>The underlay's end of a node's ens3 (multipass uses tap devices on its bridge). IFNAMSIZ: 15.</summary>
    public static string Tap(string node) => $"tap-{node}".Length <= 15 ? $"tap-{node}" : $"tap-{node[..11]}";

    public static bool BelongsTo(string netns, string lab) => netns.StartsWith(LabPrefix(lab), StringComparison.Ordinal);
}
