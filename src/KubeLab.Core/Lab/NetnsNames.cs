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

    public static string LabPrefix(string lab) => $"{Prefix}{lab}.";

    public static string Underlay(string lab) => $"{LabPrefix(lab)}ul";

    public static string Node(string lab, string node) => $"{LabPrefix(lab)}{node}";

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
