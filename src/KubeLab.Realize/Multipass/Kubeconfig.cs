using System.Text.RegularExpressions;
using k8s;
using k8s.KubeConfigModels;
using KubeLab.Core;

namespace KubeLab.Realize.Multipass;

/// <summary>k3s's /etc/rancher/k3s/k3s.yaml made usable from the host: the server is vm1's address, the names the lab's.</summary>
public static partial class Kubeconfig
{
    [GeneratedRegex(@"^(\s*server:\s*)https://(127\.0\.0\.1|localhost|\[::1\]):(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex LoopbackServer();

    [GeneratedRegex(@"^(\s*-?\s*(?:name|cluster|user|current-context):\s*)default\s*$", RegexOptions.Multiline)]
    private static partial Regex DefaultName();

    /// <summary>Rewrites k3s's https://127.0.0.1:6443 to the server VM's address and names everything kubelab-&lt;lab&gt;.</summary>
    public static string ForLab(string k3sYaml, string lab, string serverIP)
    {
        if (!LoopbackServer().IsMatch(k3sYaml))
        {
            throw KubeLabException.Host($"the server's {Core.Lab.MultipassPlan.KubeconfigPath} has no `server: https://127.0.0.1:6443` line to rewrite; is k3s running on it?");
        }

        var text = LoopbackServer().Replace(k3sYaml, m => $"{m.Groups[1].Value}https://{serverIP}:{m.Groups[3].Value}");
        text = DefaultName().Replace(text, m => $"{m.Groups[1].Value}kubelab-{lab}");
        Load(text, "the fetched kubeconfig"); // must still parse
        return text;
    }

    public static K8SConfiguration Load(string text, string what)
    {
        try
        {
            using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
            return KubernetesClientConfiguration.LoadKubeConfig(stream);
        }
        catch (Exception e) when (e is not KubeLabException)
        {
            throw KubeLabException.Host($"{what} is not a valid kubeconfig: {e.Message}");
        }
    }

    /// <summary>
    /// Adds (or replaces) cluster, user and context <paramref name="name"/> in <paramref name="path"/>, kept 0600 and
    /// written atomically; other entries stay as they were. <paramref name="makeCurrent"/>: switch to it, as kind does.
    /// </summary>
    public static void Merge(string path, string labKubeconfig, string name, bool makeCurrent = false)
    {
        // read, change, write: one at a time in this process (two labs coming up at once must not lose a context)
        lock (Writing)
        {
            MergeLocked(path, labKubeconfig, name, makeCurrent);
        }
    }

    private static readonly Lock Writing = new();

    private static void MergeLocked(string path, string labKubeconfig, string name, bool makeCurrent)
    {
        var ours = Load(labKubeconfig, "the lab's kubeconfig");
        var target = File.Exists(path) ? Load(File.ReadAllText(path), path) : new K8SConfiguration { ApiVersion = "v1", Kind = "Config" };
        target.Clusters = [.. (target.Clusters ?? []).Where(c => c.Name != name), .. ours.Clusters.Where(c => c.Name == name)];
        target.Users = [.. (target.Users ?? []).Where(u => u.Name != name), .. ours.Users.Where(u => u.Name == name)];
        target.Contexts = [.. (target.Contexts ?? []).Where(c => c.Name != name), .. ours.Contexts.Where(c => c.Name == name)];
        if (makeCurrent || string.IsNullOrEmpty(target.CurrentContext))
        {
            target.CurrentContext = name;
        }

        SecretFile.Write(path, KubernetesYaml.Serialize(target));
    }

    /// <summary>
    /// Removes cluster, user and context <paramref name="name"/> from <paramref name="path"/> (as `kind delete cluster`
    /// does); the current context is cleared if it was that one. Returns false when there was nothing to remove.
    /// </summary>
    public static bool Remove(string path, string name)
    {
        lock (Writing)
        {
            return RemoveLocked(path, name);
        }
    }

    private static bool RemoveLocked(string path, string name)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        var target = Load(File.ReadAllText(path), path);
        var had = (target.Contexts ?? []).Any(c => c.Name == name) || (target.Clusters ?? []).Any(c => c.Name == name) || (target.Users ?? []).Any(u => u.Name == name);
        if (!had)
        {
            return false;
        }

        target.Clusters = [.. (target.Clusters ?? []).Where(c => c.Name != name)];
        target.Users = [.. (target.Users ?? []).Where(u => u.Name != name)];
        target.Contexts = [.. (target.Contexts ?? []).Where(c => c.Name != name)];
        if (target.CurrentContext == name)
        {
            target.CurrentContext = "";
        }

        SecretFile.Write(path, KubernetesYaml.Serialize(target));
        return true;
    }
}
