using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace KubeLab.Core.Manifests;

public static partial class ManifestReader
{
    /// <summary>
    /// Reads the two kinds a large dump is made of (Services and EndpointSlices: 20,000 of them for a node of 10,000
    /// Services) straight from their JSON tokens into KubernetesClient's models, without System.Text.Json's
    /// reflection-driven deserialiser (~3× slower here, most of `rules -f`'s time). It knows every field of the two
    /// kinds that kubectl prints and the types System.Text.Json accepts for them, and gives up — false, and the object
    /// is decoded the ordinary way, with the ordinary result or error — on anything else: an unknown or duplicate
    /// field, a null, a value of another type, a comment. So what it returns is what the deserialiser would return.
    /// </summary>
    internal static bool TryDecodeDirect(ReadOnlySpan<byte> json, Type type, JsonSerializerOptions options, out object? value)
    {
        value = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var direct = new DirectReader(options);
            value = type == typeof(V1Service) ? direct.Service(ref reader)
                : type == typeof(V1EndpointSlice) ? direct.EndpointSlice(ref reader)
                : null;
            return value is not null && !reader.Read();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            return false; // the deserialiser says what is wrong
        }
    }

    /// <summary>One object's fields; every method returns null (give up) on what it does not know.</summary>
    private sealed class DirectReader(JsonSerializerOptions options)
    {
        private readonly JsonConverter<DateTime> _dates = (JsonConverter<DateTime>)options.GetConverter(typeof(DateTime));
        private readonly JsonConverter<IntOrString> _intOrString = (JsonConverter<IntOrString>)options.GetConverter(typeof(IntOrString));

        public V1Service? Service(ref Utf8JsonReader reader)
        {
            var result = new V1Service();
            while (Next(ref reader, out var name))
            {
                if (name.SequenceEqual("apiVersion"u8) && result.ApiVersion is null)
                {
                    result.ApiVersion = String(ref reader) ?? throw GiveUp();
                }
                else if (name.SequenceEqual("kind"u8) && result.Kind is null)
                {
                    result.Kind = String(ref reader) ?? throw GiveUp();
                }
                else if (name.SequenceEqual("metadata"u8) && result.Metadata is null)
                {
                    result.Metadata = Metadata(ref reader) ?? throw GiveUp();
                }
                else if (name.SequenceEqual("spec"u8) && result.Spec is null)
                {
                    result.Spec = ServiceSpec(ref reader) ?? throw GiveUp();
                }
                else if (name.SequenceEqual("status"u8) && result.Status is null)
                {
                    result.Status = ServiceStatus(ref reader) ?? throw GiveUp();
                }
                else
                {
                    return null;
                }

            }

            return reader.TokenType == JsonTokenType.EndObject ? result : null;
        }

        public V1EndpointSlice? EndpointSlice(ref Utf8JsonReader reader)
        {
            var result = new V1EndpointSlice();
            while (Next(ref reader, out var name))
            {
                if (name.SequenceEqual("addressType"u8) && result.AddressType is null)
                {
                    result.AddressType = String(ref reader) ?? throw GiveUp();
                }
                else if (name.SequenceEqual("apiVersion"u8) && result.ApiVersion is null)
                {
                    result.ApiVersion = String(ref reader) ?? throw GiveUp();
                }
                else if (name.SequenceEqual("kind"u8) && result.Kind is null)
                {
                    result.Kind = String(ref reader) ?? throw GiveUp();
                }
                else if (name.SequenceEqual("metadata"u8) && result.Metadata is null)
                {
                    result.Metadata = Metadata(ref reader) ?? throw GiveUp();
                }
                else if (name.SequenceEqual("endpoints"u8) && result.Endpoints is null)
                {
                    result.Endpoints = List(ref reader, Endpoint) ?? throw GiveUp();
                }
                else if (name.SequenceEqual("ports"u8) && result.Ports is null)
                {
                    result.Ports = List(ref reader, EndpointPort) ?? throw GiveUp();
                }
                else
                {
                    return null;
                }

            }

            return reader.TokenType == JsonTokenType.EndObject ? result : null;
        }

        private V1ObjectMeta? Metadata(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw GiveUp();
            }

            var result = new V1ObjectMeta();
            while (Next(ref reader, out var name))
            {
                var ok = true;
                if (name.SequenceEqual("name"u8) && result.Name is null)
                {
                    ok = (result.Name = String(ref reader)) is not null;
                }
                else if (name.SequenceEqual("namespace"u8) && result.NamespaceProperty is null)
                {
                    ok = (result.NamespaceProperty = String(ref reader)) is not null;
                }
                else if (name.SequenceEqual("uid"u8) && result.Uid is null)
                {
                    ok = (result.Uid = String(ref reader)) is not null;
                }
                else if (name.SequenceEqual("resourceVersion"u8) && result.ResourceVersion is null)
                {
                    ok = (result.ResourceVersion = String(ref reader)) is not null;
                }
                else if (name.SequenceEqual("generateName"u8) && result.GenerateName is null)
                {
                    ok = (result.GenerateName = String(ref reader)) is not null;
                }
                else if (name.SequenceEqual("selfLink"u8) && result.SelfLink is null)
                {
                    ok = (result.SelfLink = String(ref reader)) is not null;
                }
                else if (name.SequenceEqual("generation"u8) && result.Generation is null)
                {
                    ok = (result.Generation = Long(ref reader)) is not null;
                }
                else if (name.SequenceEqual("creationTimestamp"u8) && result.CreationTimestamp is null)
                {
                    ok = (result.CreationTimestamp = Date(ref reader)) is not null;
                }
                else if (name.SequenceEqual("labels"u8) && result.Labels is null)
                {
                    ok = (result.Labels = Map(ref reader)) is not null;
                }
                else if (name.SequenceEqual("annotations"u8) && result.Annotations is null)
                {
                    ok = (result.Annotations = Map(ref reader)) is not null;
                }
                else if (name.SequenceEqual("finalizers"u8) && result.Finalizers is null)
                {
                    ok = (result.Finalizers = Strings(ref reader)) is not null;
                }
                else if (name.SequenceEqual("ownerReferences"u8) && result.OwnerReferences is null)
                {
                    ok = (result.OwnerReferences = List(ref reader, OwnerReference)) is not null;
                }
                else
                {
                    ok = false;
                }

                if (!ok)
                {
                    throw GiveUp();
                }
            }

            return Done(ref reader, result);
        }

        private V1OwnerReference? OwnerReference(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw GiveUp();
            }

            var result = new V1OwnerReference();
            while (Next(ref reader, out var name))
            {
                var ok = name.SequenceEqual("apiVersion"u8) && result.ApiVersion is null ? (result.ApiVersion = String(ref reader)) is not null
                    : name.SequenceEqual("kind"u8) && result.Kind is null ? (result.Kind = String(ref reader)) is not null
                    : name.SequenceEqual("name"u8) && result.Name is null ? (result.Name = String(ref reader)) is not null
                    : name.SequenceEqual("uid"u8) && result.Uid is null ? (result.Uid = String(ref reader)) is not null
                    : name.SequenceEqual("controller"u8) && result.Controller is null ? (result.Controller = Bool(ref reader)) is not null
                    : name.SequenceEqual("blockOwnerDeletion"u8) && result.BlockOwnerDeletion is null && (result.BlockOwnerDeletion = Bool(ref reader)) is not null;
                if (!ok)
                {
                    throw GiveUp();
                }
            }

            return Done(ref reader, result);
        }

        private V1ServiceSpec? ServiceSpec(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw GiveUp();
            }

            var result = new V1ServiceSpec();
            while (Next(ref reader, out var name))
            {
                var ok = name.SequenceEqual("clusterIP"u8) && result.ClusterIP is null ? (result.ClusterIP = String(ref reader)) is not null
                    : name.SequenceEqual("clusterIPs"u8) && result.ClusterIPs is null ? (result.ClusterIPs = Strings(ref reader)) is not null
                    : name.SequenceEqual("type"u8) && result.Type is null ? (result.Type = String(ref reader)) is not null
                    : name.SequenceEqual("ports"u8) && result.Ports is null ? (result.Ports = List(ref reader, ServicePort)) is not null
                    : name.SequenceEqual("selector"u8) && result.Selector is null ? (result.Selector = Map(ref reader)) is not null
                    : name.SequenceEqual("sessionAffinity"u8) && result.SessionAffinity is null ? (result.SessionAffinity = String(ref reader)) is not null
                    : name.SequenceEqual("internalTrafficPolicy"u8) && result.InternalTrafficPolicy is null ? (result.InternalTrafficPolicy = String(ref reader)) is not null
                    : name.SequenceEqual("externalTrafficPolicy"u8) && result.ExternalTrafficPolicy is null ? (result.ExternalTrafficPolicy = String(ref reader)) is not null
                    : name.SequenceEqual("ipFamilies"u8) && result.IpFamilies is null ? (result.IpFamilies = Strings(ref reader)) is not null
                    : name.SequenceEqual("ipFamilyPolicy"u8) && result.IpFamilyPolicy is null ? (result.IpFamilyPolicy = String(ref reader)) is not null
                    : name.SequenceEqual("externalIPs"u8) && result.ExternalIPs is null ? (result.ExternalIPs = Strings(ref reader)) is not null
                    : name.SequenceEqual("externalName"u8) && result.ExternalName is null ? (result.ExternalName = String(ref reader)) is not null
                    : name.SequenceEqual("loadBalancerIP"u8) && result.LoadBalancerIP is null ? (result.LoadBalancerIP = String(ref reader)) is not null
                    : name.SequenceEqual("loadBalancerClass"u8) && result.LoadBalancerClass is null ? (result.LoadBalancerClass = String(ref reader)) is not null
                    : name.SequenceEqual("loadBalancerSourceRanges"u8) && result.LoadBalancerSourceRanges is null ? (result.LoadBalancerSourceRanges = Strings(ref reader)) is not null
                    : name.SequenceEqual("healthCheckNodePort"u8) && result.HealthCheckNodePort is null ? (result.HealthCheckNodePort = Int(ref reader)) is not null
                    : name.SequenceEqual("allocateLoadBalancerNodePorts"u8) && result.AllocateLoadBalancerNodePorts is null ? (result.AllocateLoadBalancerNodePorts = Bool(ref reader)) is not null
                    : name.SequenceEqual("publishNotReadyAddresses"u8) && result.PublishNotReadyAddresses is null && (result.PublishNotReadyAddresses = Bool(ref reader)) is not null;
                if (!ok)
                {
                    throw GiveUp();
                }
            }

            return Done(ref reader, result);
        }

        private V1ServicePort? ServicePort(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw GiveUp();
            }

            var result = new V1ServicePort();
            var port = false;
            while (Next(ref reader, out var name))
            {
                bool ok;
                if (name.SequenceEqual("port"u8) && !port)
                {
                    var value = Int(ref reader);
                    ok = port = value is not null;
                    result.Port = value ?? 0;
                }
                else
                {
                    ok = name.SequenceEqual("name"u8) && result.Name is null ? (result.Name = String(ref reader)) is not null
                        : name.SequenceEqual("protocol"u8) && result.Protocol is null ? (result.Protocol = String(ref reader)) is not null
                        : name.SequenceEqual("appProtocol"u8) && result.AppProtocol is null ? (result.AppProtocol = String(ref reader)) is not null
                        : name.SequenceEqual("nodePort"u8) && result.NodePort is null ? (result.NodePort = Int(ref reader)) is not null
                        : name.SequenceEqual("targetPort"u8) && result.TargetPort is null && reader.TokenType is JsonTokenType.String or JsonTokenType.Number
                            && (result.TargetPort = _intOrString.Read(ref reader, typeof(IntOrString), options)) is not null;
                }

                if (!ok)
                {
                    throw GiveUp();
                }
            }

            return Done(ref reader, result);
        }

        private V1ServiceStatus? ServiceStatus(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw GiveUp();
            }

            var result = new V1ServiceStatus();
            while (Next(ref reader, out var name))
            {
                if (!(name.SequenceEqual("loadBalancer"u8) && result.LoadBalancer is null && (result.LoadBalancer = LoadBalancer(ref reader)) is not null))
                {
                    throw GiveUp();
                }
            }

            return Done(ref reader, result);
        }

        private V1LoadBalancerStatus? LoadBalancer(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw GiveUp();
            }

            var result = new V1LoadBalancerStatus();
            while (Next(ref reader, out var name))
            {
                if (!(name.SequenceEqual("ingress"u8) && result.Ingress is null && (result.Ingress = List(ref reader, Ingress)) is not null))
                {
                    throw GiveUp();
                }
            }

            return Done(ref reader, result);
        }

        private V1LoadBalancerIngress? Ingress(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw GiveUp();
            }

            var result = new V1LoadBalancerIngress();
            while (Next(ref reader, out var name))
            {
                var ok = name.SequenceEqual("ip"u8) && result.Ip is null ? (result.Ip = String(ref reader)) is not null
                    : name.SequenceEqual("hostname"u8) && result.Hostname is null ? (result.Hostname = String(ref reader)) is not null
                    : name.SequenceEqual("ipMode"u8) && result.IpMode is null && (result.IpMode = String(ref reader)) is not null;
                if (!ok)
                {
                    throw GiveUp();
                }
            }

            return Done(ref reader, result);
        }

        private V1Endpoint? Endpoint(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw GiveUp();
            }

            var result = new V1Endpoint();
            while (Next(ref reader, out var name))
            {
                var ok = name.SequenceEqual("addresses"u8) && result.Addresses is null ? (result.Addresses = Strings(ref reader)) is not null
                    : name.SequenceEqual("conditions"u8) && result.Conditions is null ? (result.Conditions = Conditions(ref reader)) is not null
                    : name.SequenceEqual("nodeName"u8) && result.NodeName is null ? (result.NodeName = String(ref reader)) is not null
                    : name.SequenceEqual("hostname"u8) && result.Hostname is null ? (result.Hostname = String(ref reader)) is not null
                    : name.SequenceEqual("zone"u8) && result.Zone is null ? (result.Zone = String(ref reader)) is not null
                    : name.SequenceEqual("targetRef"u8) && result.TargetRef is null && (result.TargetRef = ObjectReference(ref reader)) is not null;
                if (!ok)
                {
                    throw GiveUp();
                }
            }

            return Done(ref reader, result);
        }

        private V1EndpointConditions? Conditions(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw GiveUp();
            }

            var result = new V1EndpointConditions();
            while (Next(ref reader, out var name))
            {
                var ok = name.SequenceEqual("ready"u8) && result.Ready is null ? (result.Ready = Bool(ref reader)) is not null
                    : name.SequenceEqual("serving"u8) && result.Serving is null ? (result.Serving = Bool(ref reader)) is not null
                    : name.SequenceEqual("terminating"u8) && result.Terminating is null && (result.Terminating = Bool(ref reader)) is not null;
                if (!ok)
                {
                    throw GiveUp();
                }
            }

            return Done(ref reader, result);
        }

        private V1ObjectReference? ObjectReference(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw GiveUp();
            }

            var result = new V1ObjectReference();
            while (Next(ref reader, out var name))
            {
                var ok = name.SequenceEqual("kind"u8) && result.Kind is null ? (result.Kind = String(ref reader)) is not null
                    : name.SequenceEqual("name"u8) && result.Name is null ? (result.Name = String(ref reader)) is not null
                    : name.SequenceEqual("namespace"u8) && result.NamespaceProperty is null ? (result.NamespaceProperty = String(ref reader)) is not null
                    : name.SequenceEqual("uid"u8) && result.Uid is null ? (result.Uid = String(ref reader)) is not null
                    : name.SequenceEqual("apiVersion"u8) && result.ApiVersion is null ? (result.ApiVersion = String(ref reader)) is not null
                    : name.SequenceEqual("resourceVersion"u8) && result.ResourceVersion is null ? (result.ResourceVersion = String(ref reader)) is not null
                    : name.SequenceEqual("fieldPath"u8) && result.FieldPath is null && (result.FieldPath = String(ref reader)) is not null;
                if (!ok)
                {
                    throw GiveUp();
                }
            }

            return Done(ref reader, result);
        }

        private Discoveryv1EndpointPort? EndpointPort(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw GiveUp();
            }

            var result = new Discoveryv1EndpointPort();
            while (Next(ref reader, out var name))
            {
                var ok = name.SequenceEqual("name"u8) && result.Name is null ? (result.Name = String(ref reader)) is not null
                    : name.SequenceEqual("port"u8) && result.Port is null ? (result.Port = Int(ref reader)) is not null
                    : name.SequenceEqual("protocol"u8) && result.Protocol is null ? (result.Protocol = String(ref reader)) is not null
                    : name.SequenceEqual("appProtocol"u8) && result.AppProtocol is null && (result.AppProtocol = String(ref reader)) is not null;
                if (!ok)
                {
                    throw GiveUp();
                }
            }

            return Done(ref reader, result);
        }

        private delegate T? Item<T>(ref Utf8JsonReader reader)
            where T : class;

        /// <summary>A list of objects (the reader is on its StartArray; after it, on its EndArray).</summary>
        private static List<T>? List<T>(ref Utf8JsonReader reader, Item<T> item)
            where T : class
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw GiveUp();
            }

            var result = new List<T>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (item(ref reader) is not { } value)
                {
                    throw GiveUp();
                }

                result.Add(value);
            }

            return result;
        }

        private static List<string>? Strings(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                return null;
            }

            var result = new List<string>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    return null;
                }

                result.Add(reader.GetString()!);
            }

            return result;
        }

        private static Dictionary<string, string>? Map(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var result = new Dictionary<string, string>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!;
                if (!reader.Read() || reader.TokenType != JsonTokenType.String || !result.TryAdd(key, reader.GetString()!))
                {
                    return null;
                }
            }

            return reader.TokenType == JsonTokenType.EndObject ? result : null;
        }

        private static string? String(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String ? reader.GetString() : null;

        private static int? Int(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : null;

        private static long? Long(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : null;

        private static bool? Bool(ref Utf8JsonReader reader) => reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => null,
        };

        private DateTime? Date(ref Utf8JsonReader reader) =>
            reader.TokenType == JsonTokenType.String ? _dates.Read(ref reader, typeof(DateTime), options) : null;

        /// <summary>The next field: its (unescaped) name, the reader on its value. False at the object's end.</summary>
        private static bool Next(ref Utf8JsonReader reader, out ReadOnlySpan<byte> name)
        {
            name = default;
            if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
            {
                return false;
            }

            if (reader.ValueIsEscaped)
            {
                throw new JsonException("an escaped field name: left to the deserialiser");
            }

            name = reader.ValueSpan;
            return reader.Read();
        }

        /// <summary>An object's end: the reader must be on its EndObject.</summary>
        private static T? Done<T>(ref Utf8JsonReader reader, T result)
            where T : class => reader.TokenType == JsonTokenType.EndObject ? result : null;

        private static JsonException GiveUp() => new("left to the deserialiser");
    }
}
