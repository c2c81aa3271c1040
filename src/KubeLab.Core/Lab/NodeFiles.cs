using System.Text;
using KubeLab.Core.Model;

namespace KubeLab.Core.Lab;

/// <summary>
/// Files a node's own commands see, as on a multipass VM running k3s: flannel's <c>/run/flannel/subnet.env</c>,
/// systemd-resolved's stub <c>/etc/resolv.conf</c> and cloud-init's <c>/etc/hosts</c>.
/// </summary>
public static class NodeFiles
{
    public const string SubnetEnvPath = "/run/flannel/subnet.env";

    /// <summary>systemd-resolved's stub listener, which the VM's /etc/resolv.conf names.</summary>
    public static readonly System.Net.IPAddress ResolvedStub = System.Net.IPAddress.Parse("127.0.0.53");

    /// <summary>
    /// What k3s's flannel writes (k3s pkg/agent/flannel WriteSubnetFile): the cluster network, the node's lease with
    /// the first address (10.42.N.1/24), the VXLAN MTU and IPMASQ=true (k3s always passes true). No IPv6 lines.
    /// </summary>
    public static string SubnetEnv(LabConfig config, NodeConfig node) =>
        $"FLANNEL_NETWORK={config.ClusterCidr}\n" +
        $"FLANNEL_SUBNET={IPMath.Add(node.PodCidr.BaseAddress, 1)}/{node.PodCidr.PrefixLength}\n" +
        $"FLANNEL_MTU={LabDefaults.FlannelMtu}\n" +
        "FLANNEL_IPMASQ=true\n";

    /// <summary>
    /// Ubuntu 22.04's /etc/resolv.conf: the symlink to systemd-resolved's stub-resolv.conf (systemd 249), whose
    /// search line is the DHCP domain multipass's dnsmasq hands out.
    /// </summary>
    public static string ResolvConf(LabConfig config)
    {
        var text = new StringBuilder();
        text.Append("# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n");
        text.Append("# Do not edit.\n");
        text.Append("#\n");
        text.Append("# This file might be symlinked as /etc/resolv.conf. If you're looking at\n");
        text.Append("# /etc/resolv.conf and seeing this text, you have followed the symlink.\n");
        text.Append("#\n");
        text.Append("# This is a dynamic resolv.conf file for connecting local clients to the\n");
        text.Append("# internal DNS stub resolver of systemd-resolved. This file lists all\n");
        text.Append("# configured search domains.\n");
        text.Append("#\n");
        text.Append("# Run \"resolvectl status\" to see details about the uplink DNS servers\n");
        text.Append("# currently in use.\n");
        text.Append("#\n");
        text.Append("# Third party programs should typically not access this file directly, but only\n");
        text.Append("# through the symlink at /etc/resolv.conf. To manage man:resolv.conf(5) in a\n");
        text.Append("# different way, replace this symlink by a static file or a different symlink.\n");
        text.Append("#\n");
        text.Append("# See man:systemd-resolved.service(8) for details about the supported modes of\n");
        text.Append("# operation for /etc/resolv.conf.\n");
        text.Append('\n');
        text.Append("nameserver ").Append(ResolvedStub).Append('\n');
        text.Append("options edns0 trust-ad\n");
        text.Append("search ").Append(string.IsNullOrEmpty(config.HostSearchDomain) ? "." : config.HostSearchDomain).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// cloud-init's /etc/hosts from its hosts.debian.tmpl (manage_etc_hosts), with the instance's name as both fqdn
    /// and hostname, as multipass names the instance.
    /// </summary>
    public static string Hosts(NodeConfig node)
    {
        var text = new StringBuilder();
        text.Append("# Your system has configured 'manage_etc_hosts' as True.\n");
        text.Append("# As a result, if you wish for changes to this file to persist\n");
        text.Append("# then you will need to either\n");
        text.Append("# a.) make changes to the master file in /etc/cloud/templates/hosts.debian.tmpl\n");
        text.Append("# b.) change or remove the value of 'manage_etc_hosts' in\n");
        text.Append("#     /etc/cloud/cloud.cfg or cloud-config from user-data\n");
        text.Append("#\n");
        text.Append("127.0.1.1 ").Append(node.Name).Append(' ').Append(node.Name).Append('\n');
        text.Append("127.0.0.1 localhost\n");
        text.Append('\n');
        text.Append("# The following lines are desirable for IPv6 capable hosts\n");
        text.Append("::1 localhost ip6-localhost ip6-loopback\n");
        text.Append("ff02::1 ip6-allnodes\n");
        text.Append("ff02::2 ip6-allrouters\n");
        return text.ToString();
    }
}
