using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace KubeLab.Core.Control;

/// <summary>
/// A custom resource as the API server stores it (unstructured.Unstructured): apiVersion, kind, metadata, and every
/// other field as JSON, kept as sent once the CRD's schema has pruned and checked it.
/// </summary>
public sealed class CustomObject : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec, status and any other top-level field, in the order they came.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Fields { get; set; }

    [JsonIgnore]
    public string Group => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : "";

    /// <summary>How the store keys it: "Widget.example.com", so that it never meets a built-in kind of the same name.</summary>
    [JsonIgnore]
    public string StoredKind => StoredKindOf(Kind, Group);

    /// <summary>Whether its CRD's scope is Namespaced (set when a request decodes it; the store's objects carry their namespace).</summary>
    [JsonIgnore]
    public bool Namespaced { get; set; } = true;

    /// <summary>
    /// Fields of the metadata as read from a file that ObjectMeta does not have (decoding drops them): strict field
    /// validation refuses them, first, when the object is checked against its CRD.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<string> UnknownMetadata { get; set; } = [];

    public static string StoredKindOf(string kind, string group) => $"{kind}.{group}";
}
