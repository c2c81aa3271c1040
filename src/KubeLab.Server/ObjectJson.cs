using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using KubeLab.Core.Api;

namespace KubeLab.Server;

/// <summary>
/// Objects as the API server encodes them, kept encoded: each published object is serialised once (as a list item,
/// without kind and apiVersion), and lists and gets are written from those bytes. The feed keeps an object's instance
/// while its resourceVersion stays, so the cache lives as long as the version does.
/// </summary>
internal static class ObjectJson
{
    private static readonly ConditionalWeakTable<IKubernetesObject<V1ObjectMeta>, byte[]> Items = [];

    /// <summary>The object as a list item: its fields in the model's order, without kind and apiVersion.</summary>
    public static byte[] Item(IKubernetesObject<V1ObjectMeta> value) => Items.GetValue(value, Encode);

    private static byte[] Encode(IKubernetesObject<V1ObjectMeta> value)
    {
        using var document = JsonDocument.Parse(ApiDocuments.ServedJson(value));
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name is not ("kind" or "apiVersion"))
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>One object: kind and apiVersion first, then its fields (what ApiDocuments.Object builds, from the cache).</summary>
    public static byte[] Object(IKubernetesObject<V1ObjectMeta> value, ApiResource resource)
    {
        var item = Item(value);
        var head = Encoding.UTF8.GetBytes($"{{\"kind\":{JsonSerializer.Serialize(resource.Kind)},\"apiVersion\":{JsonSerializer.Serialize(resource.GroupVersion)}");
        using var buffer = new MemoryStream(head.Length + item.Length + 2);
        buffer.Write(head);
        if (item.Length > 2)
        {
            buffer.WriteByte((byte)',');
        }

        buffer.Write(item.AsSpan(1));
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>
    /// A list (PodList, …) written straight to <paramref name="output"/>, item by item into the response's pipe
    /// (pooled buffers: a list of hundreds of objects is never one large array, which would cost a full collection).
    /// </summary>
    public static async Task WriteListAsync(System.IO.Pipelines.PipeWriter output, ApiResource resource, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> items, long revision, CancellationToken cancel)
    {
        var head = $"{{\"kind\":{JsonSerializer.Serialize(resource.ListKind)},\"apiVersion\":{JsonSerializer.Serialize(resource.GroupVersion)},\"metadata\":{{\"resourceVersion\":\"{revision.ToString(CultureInfo.InvariantCulture)}\"}},\"items\":[";
        output.Write(Encoding.UTF8.GetBytes(head));
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                output.Write(","u8);
            }

            output.Write(Item(items[i]));
            if (output.UnflushedBytes > 64 * 1024)
            {
                await output.FlushAsync(cancel);
            }
        }

        output.Write("]}\n"u8);
        await output.FlushAsync(cancel);
    }
}
