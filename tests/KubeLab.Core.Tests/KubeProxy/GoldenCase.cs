using KubeLab.Core.Control;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.KubeProxy;

/// <summary>
/// A golden folder: <c>cluster.yaml</c> (standard Service, EndpointSlice and optional Node and
/// KubeProxyConfiguration documents) and the expected output. Read with the same manifest reader and
/// snapshot builder as `kubelab rules -f`; set KUBELAB_REGENERATE_GOLDEN=1 to rewrite expected files.
/// </summary>
internal sealed record GoldenCase(string Name, string Directory, ClusterSnapshot Snapshot, string NodeName, KubeProxyConfig Config)
{
    /// <summary>kube-proxy's unit tests: node "test-hostname" with IP 192.168.0.2.</summary>
    public const string UpstreamNodeName = "test-hostname";

    public static string GoldenRoot => Path.Combine(AppContext.BaseDirectory, "Golden");

    /// <summary>The source tree's Golden folder (for regeneration), found from the test binary upwards.</summary>
    public static string SourceGoldenRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeLab.Core.Tests.csproj")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("KubeLab.Core.Tests.csproj not found above " + AppContext.BaseDirectory), "Golden");
        }
    }

    public static bool Regenerate => Environment.GetEnvironmentVariable("KUBELAB_REGENERATE_GOLDEN") == "1";

    public static IEnumerable<object[]> CasesIn(string group) =>
        System.IO.Directory.GetDirectories(Path.Combine(GoldenRoot, group))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .Select(name => new object[] { name! });

    /// <summary>
    /// Reads a case; <paramref name="defaultNode"/> stands in when the input has no Node of that name (null: the
    /// input must have it, as kube-proxy's cases give their node, without podCIDR).
    /// </summary>
    public static GoldenCase Load(string group, string name, KubeProxyConfig baseConfig, Node? defaultNode)
    {
        var dir = Path.Combine(GoldenRoot, group, name);
        var documents = ManifestReader.Read(File.ReadAllText(Path.Combine(dir, "cluster.yaml")), $"{name}/cluster.yaml");
        var config = baseConfig;
        string? nodeName = null;
        foreach (var proxy in documents.Select(d => d.Object).OfType<KubeProxyConfigurationDocument>())
        {
            config = config.WithConfiguration(proxy.Fields, $"{name}/cluster.yaml");
            nodeName = proxy.Fields.TryGetValue("hostnameOverride", out var host) && host is string h ? h : nodeName;
        }

        var parsed = SnapshotBuilder.FromObjects(LabConfig.Default("golden", 1), nodes: null,
            documents.Select(d => d.Object).Where(o => o is not KubeProxyConfigurationDocument));
        nodeName ??= defaultNode?.Name ?? UpstreamNodeName;
        var nodes = parsed.Nodes.Any(n => n.Name == nodeName) || defaultNode is null ? parsed.Nodes : [defaultNode with { Name = nodeName }, .. parsed.Nodes];
        return new GoldenCase(name, dir, parsed with { Nodes = nodes }, nodeName, config);
    }

    /// <summary>Compares with the expected file, or rewrites it when regenerating.</summary>
    public void AssertMatches(string fileName, string actual, string group)
    {
        if (Regenerate)
        {
            File.WriteAllText(Path.Combine(SourceGoldenRoot, group, Name, fileName), actual);
            return;
        }

        var expected = File.ReadAllText(Path.Combine(Directory, fileName));
        Assert.Equal(expected, actual);
    }
}
