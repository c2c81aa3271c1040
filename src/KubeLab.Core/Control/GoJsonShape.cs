using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace KubeLab.Core.Control;

/// <summary>
/// Where Go's encoding/json writes what KubernetesClient's options leave out. A metav1.Time that is not a pointer is
/// written as null when zero (omitempty does not omit structs), so every pod condition carries
/// <c>"lastProbeTime": null</c> on a real API server; KubernetesClient omits every null. Registered once, before any
/// object is encoded, on the options every KubeLab encoding uses (<see cref="KubernetesJson"/>).
/// </summary>
internal static class GoJsonShape
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The options must be shaped before the first object is encoded, whichever KubeLab assembly encodes first.")]
    internal static void Register() => KubernetesJson.AddJsonOptions(options =>
    {
        if (!options.IsReadOnly)
        {
            options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(WriteZeroTimes);
        }
    });

    private static void WriteZeroTimes(JsonTypeInfo info)
    {
        if (info.Type != typeof(V1PodCondition))
        {
            return;
        }

        foreach (var property in info.Properties.Where(p => p.Name == "lastProbeTime"))
        {
            property.ShouldSerialize = static (_, _) => true;
        }
    }
}
