using System.Globalization;
using System.Net;
using System.Net.Sockets;
using KubeLab.Core.Model;
using KubeLab.Server.Pki;

namespace KubeLab.Server;

/// <summary>
/// A lab's API endpoint on this machine: the loopback port (chosen once when the lab is made, like kind's, so that
/// kubeconfigs stay valid across agent restarts) and the certificates, in the lab's folder.
/// </summary>
public static class LabApi
{
    public const string PortFileName = "apiserver.port";
    public const string KubeconfigFileName = "kubeconfig";

    /// <summary>k3s's supervisor and API port on the server node.</summary>
    public const int NodePort = 6443;

    public static string KubeconfigFile(string labDir) => Path.Combine(labDir, KubeconfigFileName);

    public static string ContextName(string lab) => $"kubelab-{lab}";

    public static string ServerUrl(int port) => $"https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The certificates and the port, made now if the lab has none yet.</summary>
    public static (LabPki Pki, int Port) Prepare(string labDir, LabConfig config, DateTimeOffset now)
    {
        Directory.CreateDirectory(labDir);
        var names = new LabPki.ServerNames(config.Server.Name, config.Server.InternalIP, KubernetesServiceIP(config), config.ClusterDomain);
        var pki = LabPki.Ensure(labDir, names, now);
        return (pki, ReadPort(labDir) ?? ChoosePort(labDir));
    }

    public static int? ReadPort(string labDir)
    {
        var file = Path.Combine(labDir, PortFileName);
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) ? port : null;
    }

    /// <summary>The kubernetes Service's ClusterIP: the service range's first address (10.43.0.1).</summary>
    public static IPAddress KubernetesServiceIP(LabConfig config) => IPMath.Add(config.ServiceCidr.BaseAddress, 1);

    /// <summary>
    /// A new port for a lab whose port was taken while the agent was not running (the port is chosen by binding port
    /// 0 and released; until the agent binds it, any socket, even a client's outgoing one, may take it). `up`
    /// publishes the kubeconfig after the agent is ready, so it names the new port.
    /// </summary>
    public static int ChooseNewPort(string labDir) => ChoosePort(labDir);

    private static int ChoosePort(string labDir)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        File.WriteAllText(Path.Combine(labDir, PortFileName), port.ToString(CultureInfo.InvariantCulture) + "\n");
        return port;
    }
}
