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
/// The same holds for an ObjectMeta's creationTimestamp, which only an object the API server made has: a pod template's
/// metadata is written <c>"creationTimestamp": null</c>. That one only in what the API server sends
/// (<see cref="Served"/>): the lab's own encodings (kubectl's last-applied annotation, which kubectl computes from the
/// file, the store, managed fields) keep leaving it out.
/// </summary>
internal static class GoJsonShape
{
    [ThreadStatic]
    private static bool served;

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The options must be shaped before the first object is encoded, whichever KubeLab assembly encodes first.")]
    internal static void Register() => KubernetesJson.AddJsonOptions(options =>
    {
        if (!options.IsReadOnly)
        {
            options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(WriteZeroTimes);
        }
    });

    /// <summary><paramref name="encode"/> run as the API server encodes a response: zero creation times written as null.</summary>
    public static T Served<T>(Func<T> encode)
    {
        var was = served;
        served = true;
        try
        {
            return encode();
        }
        finally
        {
            served = was;
        }
    }

    private static void WriteZeroTimes(JsonTypeInfo info)
    {
        if (info.Type == typeof(V1PodCondition))
        {
            foreach (var property in info.Properties.Where(p => p.Name == "lastProbeTime"))
            {
                property.ShouldSerialize = static (_, _) => true;
            }
        }
        else if (info.Type == typeof(V1ObjectMeta))
        {
            foreach (var property in info.Properties.Where(p => p.Name == "creationTimestamp"))
            {
                property.ShouldSerialize = static (_, value) => value is not null || served;
            }
        }
    }
}
