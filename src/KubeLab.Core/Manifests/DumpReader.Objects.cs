using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using KubeLab.Core.Control;
using KubeLab.Core.Model;

namespace KubeLab.Core.Manifests;

/// <summary>
/// Services and EndpointSlices read field by field into the model, with <see cref="SnapshotBuilder"/>'s rules
/// (ToService, ToEndpointSlice) for what each field becomes. Every field KubernetesClient's model has for these kinds
/// and kubectl prints is known here and checked for its JSON type (a string, an int32, a bool, a map of strings…), even
/// when the snapshot does not use it, because the general reader would refuse a wrong type there; a field not known
/// here, a null, or any other type hands the object to the general reader. The methods are compiled at run time
/// (AggressiveOptimization keeps them out of ReadyToRun), where the JIT inlines <see cref="Utf8JsonReader"/>'s members
/// across assemblies; ReadyToRun code may not, which made an earlier reader of this kind slower than System.Text.Json.
/// </summary>
public sealed partial class DumpReader
{
    private static readonly k8s.KubernetesJson.KubernetesDateTimeConverter Timestamps = new();
    private static readonly JsonSerializerOptions TimestampOptions = new();
    private byte[] lastTimestamp = [];
    private DateTime lastTimestampValue;

    private struct Meta
    {
        public string? Name;
        public string? Namespace;
        public Dictionary<string, string>? Labels;
        public Dictionary<string, string>? Annotations;
        public DateTime? Created;
    }

    private struct EndpointFields
    {
        public List<IPAddress> Addresses;
        public bool? Ready;
        public bool? Serving;
        public bool? Terminating;
        public string? NodeName;
        public string? Hostname;
        public bool TargetIsPod;
        public string? TargetNamespace;
        public string? TargetName;
        public string? PodKey; // namespace/name, made at once when the targetRef names its namespace
        public string? Zone;
        public List<string>? ZoneHints;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Service ReadService<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        var meta = default(Meta);
        string? type = null, clusterIP = null, sessionAffinity = null, externalTrafficPolicy = null, internalTrafficPolicy = null, externalName = null;
        List<ServicePort>? ports = null;
        Dictionary<string, string>? selector = null;
        List<string>? externalIPs = null, sourceRanges = null;
        int? timeout = null, healthCheckNodePort = null;
        bool? publishNotReady = null;
        List<IPAddress>? ingress = null;
        Current(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            if (Is(ref r, "apiVersion"u8) || Is(ref r, "kind"u8))
            {
                SkipString(ref r);
            }
            else if (Is(ref r, "metadata"u8))
            {
                ReadMeta(ref r, ref meta);
            }
            else if (Is(ref r, "spec"u8))
            {
                Start(ref r, JsonTokenType.StartObject);
                while (Property(ref r))
                {
                    if (Is(ref r, "type"u8))
                    {
                        type = String(ref r);
                    }
                    else if (Is(ref r, "clusterIP"u8))
                    {
                        clusterIP = String(ref r);
                    }
                    else if (Is(ref r, "ports"u8))
                    {
                        ports = ServicePorts(ref r);
                    }
                    else if (Is(ref r, "selector"u8))
                    {
                        selector = Map(ref r);
                    }
                    else if (Is(ref r, "sessionAffinity"u8))
                    {
                        sessionAffinity = String(ref r);
                    }
                    else if (Is(ref r, "sessionAffinityConfig"u8))
                    {
                        timeout = SessionAffinityTimeout(ref r);
                    }
                    else if (Is(ref r, "externalTrafficPolicy"u8))
                    {
                        externalTrafficPolicy = String(ref r);
                    }
                    else if (Is(ref r, "internalTrafficPolicy"u8))
                    {
                        internalTrafficPolicy = String(ref r);
                    }
                    else if (Is(ref r, "externalIPs"u8))
                    {
                        externalIPs = Strings(ref r);
                    }
                    else if (Is(ref r, "loadBalancerSourceRanges"u8))
                    {
                        sourceRanges = Strings(ref r);
                    }
                    else if (Is(ref r, "healthCheckNodePort"u8))
                    {
                        healthCheckNodePort = Int(ref r);
                    }
                    else if (Is(ref r, "externalName"u8))
                    {
                        externalName = String(ref r);
                    }
                    else if (Is(ref r, "publishNotReadyAddresses"u8))
                    {
                        publishNotReady = Bool(ref r);
                    }
                    else if (Is(ref r, "clusterIPs"u8) || Is(ref r, "ipFamilies"u8))
                    {
                        SkipStrings(ref r);
                    }
                    else if (Is(ref r, "ipFamilyPolicy"u8) || Is(ref r, "loadBalancerClass"u8) || Is(ref r, "loadBalancerIP"u8) || Is(ref r, "trafficDistribution"u8))
                    {
                        SkipString(ref r);
                    }
                    else if (Is(ref r, "allocateLoadBalancerNodePorts"u8))
                    {
                        Bool(ref r);
                    }
                    else
                    {
                        throw new Miss();
                    }
                }
            }
            else if (Is(ref r, "status"u8))
            {
                ingress = ServiceStatus(ref r);
            }
            else
            {
                throw new Miss();
            }
        }

        // SnapshotBuilder.ToService's rules.
        var (ns, name) = Names(meta);
        var headless = clusterIP == "None";
        return new Service
        {
            Namespace = ns,
            Name = name,
            Type = Enum.TryParse<ServiceType>(type ?? "ClusterIP", out var t) ? t : ServiceType.ClusterIP,
            ClusterIP = !headless && IPAddress.TryParse(clusterIP, out var ip) ? ip : null,
            Headless = headless,
            Ports = ports ?? [],
            Selector = selector is { Count: > 0 } ? selector : null,
            SessionAffinityClientIP = sessionAffinity == "ClientIP",
            SessionAffinityTimeoutSeconds = timeout ?? 10800,
            ExternalTrafficPolicy = externalTrafficPolicy == "Local" ? TrafficPolicy.Local : TrafficPolicy.Cluster,
            InternalTrafficPolicy = internalTrafficPolicy == "Local" ? TrafficPolicy.Local : TrafficPolicy.Cluster,
            ExternalIPs = externalIPs ?? [],
            LoadBalancerIngress = ingress ?? [],
            LoadBalancerSourceRanges = sourceRanges ?? [],
            HealthCheckNodePort = healthCheckNodePort ?? 0,
            ExternalName = externalName,
            PublishNotReadyAddresses = publishNotReady ?? false,
            Annotations = meta.Annotations ?? new Dictionary<string, string>(),
            Created = Time(meta.Created),
        };
    }

    private static List<ServicePort> ServicePorts<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        var ports = new List<ServicePort>();
        Start(ref r, JsonTokenType.StartArray);
        while (Element(ref r))
        {
            string? name = null, protocol = null, targetPort = null;
            int? port = null, nodePort = null;
            Current(ref r, JsonTokenType.StartObject);
            while (Property(ref r))
            {
                if (Is(ref r, "name"u8))
                {
                    name = String(ref r);
                }
                else if (Is(ref r, "protocol"u8))
                {
                    protocol = String(ref r);
                }
                else if (Is(ref r, "port"u8))
                {
                    port = Int(ref r);
                }
                else if (Is(ref r, "targetPort"u8))
                {
                    // IntOrString: a number or a string, kept as its text
                    r.Read();
                    targetPort = r.TokenType switch
                    {
                        JsonTokenType.Number when r.TryGetInt32(out var value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        JsonTokenType.String => r.GetString(),
                        _ => throw new Miss(),
                    };
                }
                else if (Is(ref r, "nodePort"u8))
                {
                    nodePort = Int(ref r);
                }
                else if (Is(ref r, "appProtocol"u8))
                {
                    SkipString(ref r);
                }
                else
                {
                    throw new Miss();
                }
            }

            var p = port ?? 0;
            ports.Add(new ServicePort
            {
                Name = string.IsNullOrEmpty(name) ? null : name,
                Protocol = Protocol(protocol),
                Port = p,
                TargetPort = string.IsNullOrEmpty(targetPort) ? PortRef.Of(p)
                    : int.TryParse(targetPort, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number) ? PortRef.Of(number)
                    : PortRef.Named(targetPort),
                NodePort = nodePort ?? 0,
            });
        }

        return ports;
    }

    private static int? SessionAffinityTimeout<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        int? timeout = null;
        Start(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            if (!Is(ref r, "clientIP"u8))
            {
                throw new Miss();
            }

            Start(ref r, JsonTokenType.StartObject);
            while (Property(ref r))
            {
                timeout = Is(ref r, "timeoutSeconds"u8) ? Int(ref r) : throw new Miss();
            }
        }

        return timeout;
    }

    /// <summary>status.loadBalancer.ingress[].ip that are addresses (ToService's filter).</summary>
    private List<IPAddress>? ServiceStatus<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        List<IPAddress>? ingress = null;
        Start(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            if (Is(ref r, "conditions"u8))
            {
                Conditions(ref r);
                continue;
            }

            if (!Is(ref r, "loadBalancer"u8))
            {
                throw new Miss();
            }

            Start(ref r, JsonTokenType.StartObject);
            while (Property(ref r))
            {
                if (!Is(ref r, "ingress"u8))
                {
                    throw new Miss();
                }

                ingress = [];
                Start(ref r, JsonTokenType.StartArray);
                while (Element(ref r))
                {
                    Current(ref r, JsonTokenType.StartObject);
                    string? ip = null;
                    while (Property(ref r))
                    {
                        if (Is(ref r, "ip"u8))
                        {
                            ip = String(ref r);
                        }
                        else if (Is(ref r, "hostname"u8) || Is(ref r, "ipMode"u8))
                        {
                            SkipString(ref r);
                        }
                        else
                        {
                            throw new Miss(); // ports: the general reader's
                        }
                    }

                    if (!string.IsNullOrEmpty(ip) && IPAddress.TryParse(ip, out var address))
                    {
                        ingress.Add(address);
                    }
                }
            }
        }

        return ingress;
    }

    /// <summary>status.conditions (metav1.Condition), checked only.</summary>
    private void Conditions<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        Start(ref r, JsonTokenType.StartArray);
        while (Element(ref r))
        {
            Current(ref r, JsonTokenType.StartObject);
            while (Property(ref r))
            {
                if (Is(ref r, "type"u8) || Is(ref r, "status"u8) || Is(ref r, "reason"u8) || Is(ref r, "message"u8))
                {
                    SkipString(ref r);
                }
                else if (Is(ref r, "lastTransitionTime"u8))
                {
                    Timestamp(ref r);
                }
                else if (Is(ref r, "observedGeneration"u8))
                {
                    Long(ref r);
                }
                else
                {
                    throw new Miss();
                }
            }
        }
    }

    /// <summary>One slice's endpoints as read, before they become <see cref="Endpoint"/>s (reused from slice to slice).</summary>
    private readonly List<EndpointFields> endpointScratch = [];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private EndpointSlice ReadEndpointSlice<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        var meta = default(Meta);
        string? addressType = null;
        List<EndpointPort>? ports = null;
        List<EndpointFields>? endpoints = null;
        Current(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            if (Is(ref r, "apiVersion"u8) || Is(ref r, "kind"u8))
            {
                SkipString(ref r);
            }
            else if (Is(ref r, "metadata"u8))
            {
                ReadMeta(ref r, ref meta);
            }
            else if (Is(ref r, "addressType"u8))
            {
                addressType = String(ref r);
            }
            else if (Is(ref r, "endpoints"u8))
            {
                endpoints = Endpoints(ref r, endpointScratch);
            }
            else if (Is(ref r, "ports"u8))
            {
                ports = EndpointPorts(ref r);
            }
            else
            {
                throw new Miss();
            }
        }

        // SnapshotBuilder.ToEndpointSlice's rules.
        var (ns, name) = Names(meta);
        var serviceName = meta.Labels?.GetValueOrDefault(ControlPlane.EndpointSliceServiceLabel) ?? throw new Miss();
        var list = new List<Endpoint>(endpoints?.Count ?? 0);
        foreach (var e in endpoints ?? [])
        {
            list.Add(new Endpoint
            {
                Addresses = e.Addresses ?? [],
                Ready = e.Ready ?? true,
                Serving = e.Serving ?? e.Ready ?? true,
                Terminating = e.Terminating ?? false,
                NodeName = e.NodeName,
                Hostname = e.Hostname,
                PodKey = e.TargetIsPod ? e.PodKey ?? $"{e.TargetNamespace ?? meta.Namespace}/{e.TargetName}" : null,
                Zone = e.Zone,
                ZoneHints = e.ZoneHints,
            });
        }

        return new EndpointSlice
        {
            Namespace = ns,
            Name = name,
            ServiceName = serviceName,
            AddressType = addressType ?? "IPv4",
            Ports = ports ?? [],
            Endpoints = list,
            Created = Time(meta.Created),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<EndpointFields> Endpoints<T>(ref T r, List<EndpointFields> endpoints)
        where T : ITokens, allows ref struct
    {
        endpoints.Clear();
        Start(ref r, JsonTokenType.StartArray);
        while (Element(ref r))
        {
            Current(ref r, JsonTokenType.StartObject);
            var e = default(EndpointFields);
            while (Property(ref r))
            {
                if (Is(ref r, "addresses"u8))
                {
                    e.Addresses = Addresses(ref r);
                }
                else if (Is(ref r, "conditions"u8))
                {
                    Start(ref r, JsonTokenType.StartObject);
                    while (Property(ref r))
                    {
                        if (Is(ref r, "ready"u8))
                        {
                            e.Ready = Bool(ref r);
                        }
                        else if (Is(ref r, "serving"u8))
                        {
                            e.Serving = Bool(ref r);
                        }
                        else if (Is(ref r, "terminating"u8))
                        {
                            e.Terminating = Bool(ref r);
                        }
                        else
                        {
                            throw new Miss();
                        }
                    }
                }
                else if (Is(ref r, "nodeName"u8))
                {
                    e.NodeName = Pooled(ref r);
                }
                else if (Is(ref r, "hostname"u8))
                {
                    e.Hostname = String(ref r);
                }
                else if (Is(ref r, "zone"u8))
                {
                    e.Zone = Pooled(ref r);
                }
                else if (Is(ref r, "targetRef"u8))
                {
                    (e.TargetIsPod, e.TargetNamespace, e.TargetName, e.PodKey) = TargetRef(ref r);
                }
                else if (Is(ref r, "hints"u8))
                {
                    e.ZoneHints = ZoneHints(ref r);
                }
                else if (Is(ref r, "deprecatedTopology"u8))
                {
                    Map(ref r);
                }
                else
                {
                    throw new Miss();
                }
            }

            endpoints.Add(e);
        }

        return endpoints;
    }

    /// <summary>The addresses that parse (ToEndpointSlice keeps only those).</summary>
    private static List<IPAddress> Addresses<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        var addresses = new List<IPAddress>(1);
        Span<char> chars = stackalloc char[64];
        Start(ref r, JsonTokenType.StartArray);
        while (Element(ref r))
        {
            Current(ref r, JsonTokenType.String);
            if (!r.ValueIsEscaped && r.ValueSpan.Length <= chars.Length)
            {
                var length = 0;
                foreach (var b in r.ValueSpan)
                {
                    if (b >= 0x80)
                    {
                        throw new Miss();
                    }

                    chars[length++] = (char)b;
                }

                if (IPAddress.TryParse(chars[..length], out var address))
                {
                    addresses.Add(address);
                }
            }
            else if (IPAddress.TryParse(r.GetString(), out var address))
            {
                addresses.Add(address);
            }
        }

        return addresses;
    }

    /// <summary>
    /// An endpoint's targetRef: whether it is a Pod, and its namespace and name, or the two as one key when both are
    /// there (the name's bytes are held until the namespace is read: one string an endpoint, not two).
    /// </summary>
    private static (bool IsPod, string? Namespace, string? Name, string? Key) TargetRef<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        string? kind = null, ns = null, name = null;
        Span<byte> nameBytes = stackalloc byte[256];
        var nameLength = -1; // the name's bytes are in nameBytes (ASCII, unescaped)
        Start(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            if (Is(ref r, "kind"u8))
            {
                kind = Pooled(ref r);
            }
            else if (Is(ref r, "namespace"u8))
            {
                ns = Pooled(ref r);
            }
            else if (Is(ref r, "name"u8))
            {
                Start(ref r, JsonTokenType.String);
                if (!r.ValueIsEscaped && r.ValueSpan.Length <= nameBytes.Length && Ascii.IsValid(r.ValueSpan))
                {
                    r.ValueSpan.CopyTo(nameBytes);
                    (name, nameLength) = (null, r.ValueSpan.Length);
                }
                else
                {
                    (name, nameLength) = (r.GetString(), -1);
                }
            }
            else if (Is(ref r, "uid"u8) || Is(ref r, "apiVersion"u8) || Is(ref r, "resourceVersion"u8) || Is(ref r, "fieldPath"u8))
            {
                SkipString(ref r);
            }
            else
            {
                throw new Miss();
            }
        }

        if (kind != "Pod")
        {
            return (false, ns, null, null);
        }

        if (nameLength >= 0 && ns is not null && ns.Length + 1 + nameLength <= 512)
        {
            Span<char> key = stackalloc char[ns.Length + 1 + nameLength];
            ns.CopyTo(key);
            key[ns.Length] = '/';
            Ascii.ToUtf16(nameBytes[..nameLength], key[(ns.Length + 1)..], out _);
            return (true, ns, null, new string(key));
        }

        return (true, ns, nameLength >= 0 ? Encoding.ASCII.GetString(nameBytes[..nameLength]) : name, null);
    }

    /// <summary>hints.forZones[].name (null without hints or without forZones).</summary>
    private static List<string>? ZoneHints<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        List<string>? zones = null;
        Start(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            var forZones = Is(ref r, "forZones"u8);
            if (!forZones && !Is(ref r, "forNodes"u8))
            {
                throw new Miss();
            }

            var names = new List<string>();
            Start(ref r, JsonTokenType.StartArray);
            while (Element(ref r))
            {
                Current(ref r, JsonTokenType.StartObject);
                string? name = null;
                while (Property(ref r))
                {
                    name = Is(ref r, "name"u8) ? String(ref r) : throw new Miss();
                }

                names.Add(name ?? throw new Miss());
            }

            if (forZones)
            {
                zones = names;
            }
        }

        return zones;
    }

    private static List<EndpointPort> EndpointPorts<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        var ports = new List<EndpointPort>();
        Start(ref r, JsonTokenType.StartArray);
        while (Element(ref r))
        {
            Current(ref r, JsonTokenType.StartObject);
            string? name = null, protocol = null;
            int? port = null;
            while (Property(ref r))
            {
                if (Is(ref r, "name"u8))
                {
                    name = String(ref r);
                }
                else if (Is(ref r, "port"u8))
                {
                    port = Int(ref r);
                }
                else if (Is(ref r, "protocol"u8))
                {
                    protocol = String(ref r);
                }
                else if (Is(ref r, "appProtocol"u8))
                {
                    SkipString(ref r);
                }
                else
                {
                    throw new Miss();
                }
            }

            ports.Add(new EndpointPort(string.IsNullOrEmpty(name) ? null : name, port ?? 0, Protocol(protocol)));
        }

        return ports;
    }

    /// <summary>metadata: what the snapshot uses, the rest checked for its type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadMeta<T>(ref T r, ref Meta meta)
        where T : ITokens, allows ref struct
    {
        Start(ref r, JsonTokenType.StartObject);
        while (Property(ref r))
        {
            if (Is(ref r, "name"u8))
            {
                meta.Name = String(ref r);
            }
            else if (Is(ref r, "namespace"u8))
            {
                meta.Namespace = Pooled(ref r);
            }
            else if (Is(ref r, "labels"u8))
            {
                meta.Labels = Map(ref r);
            }
            else if (Is(ref r, "annotations"u8))
            {
                meta.Annotations = Map(ref r);
            }
            else if (Is(ref r, "creationTimestamp"u8))
            {
                meta.Created = Timestamp(ref r);
            }
            else if (Is(ref r, "uid"u8) || Is(ref r, "resourceVersion"u8) || Is(ref r, "generateName"u8) || Is(ref r, "selfLink"u8))
            {
                SkipString(ref r);
            }
            else if (Is(ref r, "generation"u8) || Is(ref r, "deletionGracePeriodSeconds"u8))
            {
                Long(ref r);
            }
            else if (Is(ref r, "deletionTimestamp"u8))
            {
                Timestamp(ref r);
            }
            else if (Is(ref r, "finalizers"u8))
            {
                SkipStrings(ref r);
            }
            else if (Is(ref r, "ownerReferences"u8))
            {
                Start(ref r, JsonTokenType.StartArray);
                while (Element(ref r))
                {
                    Current(ref r, JsonTokenType.StartObject);
                    while (Property(ref r))
                    {
                        if (Is(ref r, "apiVersion"u8) || Is(ref r, "kind"u8) || Is(ref r, "name"u8) || Is(ref r, "uid"u8))
                        {
                            SkipString(ref r);
                        }
                        else if (Is(ref r, "controller"u8) || Is(ref r, "blockOwnerDeletion"u8))
                        {
                            Bool(ref r);
                        }
                        else
                        {
                            throw new Miss();
                        }
                    }
                }
            }
            else
            {
                throw new Miss(); // managedFields and anything else: the general reader's
            }
        }
    }

    /// <summary>KubernetesClient's own timestamp converter (the general reader's), the last value remembered.</summary>
    private DateTime Timestamp<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        Start(ref r, JsonTokenType.String);
        if (!r.ValueIsEscaped && r.ValueSpan.SequenceEqual(lastTimestamp))
        {
            return lastTimestampValue;
        }

        var value = r.Timestamp();
        (lastTimestamp, lastTimestampValue) = (r.ValueIsEscaped ? [] : r.ValueSpan.ToArray(), value);
        return value;
    }

    /// <summary>Namespace and name with ToService's defaults, or the general reader's error.</summary>
    private static (string Namespace, string Name) Names(Meta meta) =>
        meta.Name is { Length: > 0 } name ? (meta.Namespace ?? "default", name) : throw new Miss();

    private static DateTimeOffset Time(DateTime? time) =>
        time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : default;

    /// <summary>SnapshotBuilder's protocols: TCP, UDP, SCTP or none; anything else is the general reader's error.</summary>
    private static Protocol Protocol(string? text) =>
        text is null or "" or "TCP" or "UDP" or "SCTP" ? ProtocolNames.Parse(text) : throw new Miss();

    // The tokens: anything but the expected JSON type (a null included) is a miss.
    private static void Start<T>(ref T r, JsonTokenType type)
        where T : ITokens, allows ref struct
    {
        r.Read();
        Current(ref r, type);
    }

    private static void Current<T>(ref T r, JsonTokenType type)
        where T : ITokens, allows ref struct
    {
        if (r.TokenType != type)
        {
            throw new Miss();
        }
    }

    /// <summary>The next property of an object (false at its end); an escaped name is a miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Property<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        r.Read();
        if (r.TokenType == JsonTokenType.EndObject)
        {
            return false;
        }

        if (r.TokenType != JsonTokenType.PropertyName || r.ValueIsEscaped)
        {
            throw new Miss();
        }

        return true;
    }

    /// <summary>Moves to the next element of an array (false at its end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Element<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        r.Read();
        return r.TokenType != JsonTokenType.EndArray;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Is<T>(ref T r, ReadOnlySpan<byte> name)
        where T : ITokens, allows ref struct => r.ValueSpan.SequenceEqual(name);

    private static string String<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        Start(ref r, JsonTokenType.String);
        return r.GetString()!;
    }

    /// <summary>
    /// A string that recurs across objects (node and zone names, namespaces, label keys, "Pod"): taken from a small
    /// table of those seen last when its bytes match, so 100,000 endpoints do not make 100,000 copies of three node names.
    /// </summary>
    private static string Pooled<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        Start(ref r, JsonTokenType.String);
        return PooledValue(ref r);
    }

    private static string PooledValue<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        var bytes = r.ValueSpan;
        if (r.ValueIsEscaped || bytes.Length > 64)
        {
            return r.GetString()!;
        }

        var slot = (int)((uint)HashCode.Combine(bytes.Length, bytes.IsEmpty ? 0 : bytes[0], bytes.IsEmpty ? 0 : bytes[^1], bytes.Length > 2 ? bytes[bytes.Length / 2] : 0) % (uint)Recurring.Length);
        if (Recurring[slot] is { } known && AsciiEquals(known, bytes))
        {
            return known;
        }

        var value = r.GetString()!;
        Recurring[slot] = value; // a race between readers only costs a miss: a slot is compared before it is used
        return value;
    }

    private static readonly string?[] Recurring = new string?[509];

    private static bool AsciiEquals(string known, ReadOnlySpan<byte> bytes)
    {
        if (known.Length != bytes.Length)
        {
            return false;
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            if (known[i] != bytes[i] || bytes[i] >= 0x80)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A string the snapshot does not use: checked as GetString would check it, not made.</summary>
    private static void SkipString<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        Start(ref r, JsonTokenType.String);
        if (r.ValueIsEscaped)
        {
            r.GetString();
        }
        else if (!Utf8.IsValid(r.ValueSpan))
        {
            throw new Miss();
        }
    }

    private static int Int<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        Start(ref r, JsonTokenType.Number);
        return r.TryGetInt32(out var value) ? value : throw new Miss();
    }

    private static void Long<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        Start(ref r, JsonTokenType.Number);
        if (!r.TryGetInt64(out _))
        {
            throw new Miss();
        }
    }

    private static bool Bool<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        r.Read();
        return r.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => throw new Miss(),
        };
    }

    private static Dictionary<string, string> Map<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        Start(ref r, JsonTokenType.StartObject);
        while (true)
        {
            r.Read();
            if (r.TokenType == JsonTokenType.EndObject)
            {
                return map;
            }

            Current(ref r, JsonTokenType.PropertyName);
            var key = PooledValue(ref r);
            map[key] = Pooled(ref r);
        }
    }

    private static List<string> Strings<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        var list = new List<string>();
        Start(ref r, JsonTokenType.StartArray);
        while (Element(ref r))
        {
            Current(ref r, JsonTokenType.String);
            list.Add(r.GetString()!);
        }

        return list;
    }

    private static void SkipStrings<T>(ref T r)
        where T : ITokens, allows ref struct
    {
        Start(ref r, JsonTokenType.StartArray);
        while (Element(ref r))
        {
            Current(ref r, JsonTokenType.String);
            if (r.ValueIsEscaped)
            {
                r.GetString();
            }
            else if (!Utf8.IsValid(r.ValueSpan))
            {
                throw new Miss();
            }
        }
    }
}
