using k8s.Models;

namespace KubeLab.Core.Manifests;

/// <summary>One object read from a manifest, with where it came from (for error messages).</summary>
public sealed record ManifestDocument(string Source, int Line, string ApiVersion, string Kind, object Object)
{
    public string Name => (Object as IMetadata<V1ObjectMeta>)?.Metadata?.Name ?? "";

    public string Namespace => (Object as IMetadata<V1ObjectMeta>)?.Metadata?.NamespaceProperty ?? "";

    /// <summary>"file.yaml:12".</summary>
    public string Where => $"{Source}:{Line}";
}

/// <summary>A kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration document, kept as plain data.</summary>
public sealed record KubeProxyConfigurationDocument(IReadOnlyDictionary<string, object?> Fields);
