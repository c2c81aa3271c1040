using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;

namespace KubeLab.Core.Control;

/// <summary>
/// The pod-template-hash label and ReplicaSet name suffix exactly as the Deployment controller computes them
/// (pkg/controller/controller_utils.go ComputeHash): FNV-32a over go-spew's printout of the API-server-defaulted
/// PodTemplateSpec (<see cref="GoSpew"/>), then the collision count's 8 little-endian bytes when the Deployment has one,
/// then rand.SafeEncodeString of the sum's decimal digits.
/// </summary>
public static class PodTemplateHash
{
    public static string Compute(V1PodTemplateSpec template, int? collisionCount = null)
    {
        var printout = Printout(template);
        var bytes = Encoding.UTF8.GetBytes(printout);
        var hash = Fnv32a(2166136261u, bytes);
        if (collisionCount is { } count)
        {
            Span<byte> extra = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(extra, unchecked((uint)count));
            hash = Fnv32a(hash, extra);
        }

        return Names.SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>What is hashed: the defaulted template's go-spew printout.</summary>
    public static string Printout(V1PodTemplateSpec template)
    {
        var json = JsonNode.Parse(KubeObjects.ToJson(template))!.AsObject();
        ApplyDefaults(json);
        return GoSpew.Print("v1.PodTemplateSpec", json);
    }

    private static uint Fnv32a(uint hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 16777619u;
        }

        return hash;
    }

    /// <summary>
    /// The defaults the API server applies to a Deployment's template (Kubernetes v1.29 pkg/apis/apps/v1
    /// SetObjectDefaults_Deployment → pkg/apis/core/v1 defaults.go): SetDefaults_PodSpec (dnsPolicy ClusterFirst,
    /// restartPolicy Always, an empty securityContext, terminationGracePeriodSeconds 30, schedulerName
    /// default-scheduler); per container SetDefaults_Container (imagePullPolicy Always for the tag "latest" or none,
    /// else IfNotPresent; terminationMessagePath /dev/termination-log; terminationMessagePolicy File), ports' protocol
    /// TCP, probes' timeout 1, period 10, success 1, failure 3, HTTP probes' path "/" and scheme HTTP, env fieldRefs'
    /// apiVersion v1; volumes: configMap, secret, downwardAPI and projected defaultMode 0644 (420), an empty volume
    /// source becomes emptyDir. Pod-only defaults (enableServiceLinks, requests from limits) do not apply to templates.
    /// </summary>
    public static void ApplyDefaults(JsonObject template)
    {
        if (template["spec"] is not JsonObject spec)
        {
            template["spec"] = spec = [];
        }

        foreach (var key in new[] { "initContainers", "containers" })
        {
            foreach (var container in (spec[key] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                DefaultContainer(container);
            }
        }

        foreach (var volume in (spec["volumes"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var sources = volume.Where(kv => kv.Key != "name" && kv.Value is not null).ToList();
            if (sources.Count == 0)
            {
                volume["emptyDir"] = new JsonObject();
            }

            foreach (var source in new[] { "configMap", "secret", "downwardAPI", "projected" })
            {
                if (volume[source] is JsonObject s && s["defaultMode"] is null)
                {
                    s["defaultMode"] = 420;
                }
            }
        }

        SetIfMissing(spec, "dnsPolicy", "ClusterFirst");
        SetIfMissing(spec, "restartPolicy", "Always");
        if (spec["securityContext"] is null)
        {
            spec["securityContext"] = new JsonObject();
        }

        SetIfMissing(spec, "terminationGracePeriodSeconds", 30);
        SetIfMissing(spec, "schedulerName", "default-scheduler");
    }

    private static void DefaultContainer(JsonObject container)
    {
        if (string.IsNullOrEmpty(container["imagePullPolicy"]?.GetValue<string>()))
        {
            container["imagePullPolicy"] = ImageTag(container["image"]?.GetValue<string>() ?? "") == "latest" ? "Always" : "IfNotPresent";
        }

        SetIfMissing(container, "terminationMessagePath", "/dev/termination-log");
        SetIfMissing(container, "terminationMessagePolicy", "File");
        foreach (var port in (container["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            SetIfMissing(port, "protocol", "TCP");
        }

        foreach (var env in (container["env"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if (env["valueFrom"]?["fieldRef"] is JsonObject fieldRef)
            {
                SetIfMissing(fieldRef, "apiVersion", "v1");
            }
        }

        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" }.Select(p => container[p]).OfType<JsonObject>())
        {
            foreach (var (field, value) in new[] { ("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3) })
            {
                if (probe[field] is null || probe[field]!.GetValue<int>() == 0)
                {
                    probe[field] = value;
                }
            }

            if (probe["httpGet"] is JsonObject httpGet)
            {
                SetIfMissing(httpGet, "path", "/");
                SetIfMissing(httpGet, "scheme", "HTTP");
            }
        }
    }

    /// <summary>The image's tag as parsers.ParseImageName finds it: "latest" when there is neither tag nor digest.</summary>
    private static string ImageTag(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at >= 0 ? image[..at] : image;
        var lastPart = name[(name.LastIndexOf('/') + 1)..];
        var colon = lastPart.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? lastPart[(colon + 1)..] : at >= 0 ? "" : "latest";
    }

    private static void SetIfMissing(JsonObject obj, string key, JsonNode value)
    {
        if (obj[key] is null || (obj[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length == 0))
        {
            obj[key] = value;
        }
    }
}
