using KubeLab.Core.Api;

namespace KubeLab.Core.Tests.Api;

/// <summary>
/// Protobuf request bodies (application/vnd.kubernetes.protobuf) read into the JSON the API server decodes: kubectl
/// 1.33's typed `create` bodies against kubectl 1.29's JSON for the same command (Golden/protobuf), the table of
/// messages, and the errors for bodies the lab cannot read.
/// </summary>
public sealed class KubernetesProtobufTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Golden", "protobuf");

    /// <summary>The cases in Golden/protobuf and the kubectl command that made both bodies.</summary>
    public static TheoryData<string> Cases => new()
    {
        "namespace",              // create namespace pb-ns
        "secret-generic",         // create secret generic pb-secret --from-literal=user=admin --from-literal=password=s3cret
        "secret-docker-registry", // create secret docker-registry pb-reg --docker-server=registry.example --docker-username=u --docker-password=p
        "configmap",              // create configmap pb-cm --from-literal=a=b --from-file=nginx.conf
        "service-clusterip",      // create service clusterip pb-svc --tcp=80:8080 --tcp=443
        "service-nodeport",       // create service nodeport pb-np --tcp=80:80 --node-port=30080
        "service-loadbalancer",   // create service loadbalancer pb-lb --tcp=5678:8080
        "service-externalname",   // create service externalname pb-en --external-name=example.com
        "service-headless",       // create service clusterip pb-headless --clusterip=None
        "serviceaccount",         // create serviceaccount pb-sa
        "deployment",             // create deployment pb-deploy --image=nginx --port=80 --replicas=2
        "deployment-command",     // create deployment pb-cmd --image=busybox -- sleep infinity
        "job",                    // create job pb-job --image=busybox -- echo hi
        "role",                   // create role pb-role --verb=get,list --resource=pods,deployments.apps --resource-name=a
        "rolebinding",            // create rolebinding pb-rb --role=pb-role --user=u --serviceaccount=default:pb-sa --group=g
        "clusterrole",            // create clusterrole pb-cr --verb=get --resource=nodes --non-resource-url=/healthz
        "clusterrole-aggregated", // create clusterrole pb-agg --aggregation-rule=rbac.example.com/aggregate=true
        "clusterrolebinding",     // create clusterrolebinding pb-crb --clusterrole=pb-cr --group=g --user=u
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Kubectl_133s_protobuf_body_decodes_to_the_json_kubectl_129_sends(string name)
    {
        var protobuf = File.ReadAllBytes(Path.Combine(Folder, name + ".pb"));
        var json = File.ReadAllText(Path.Combine(Folder, name + ".json")).Trim();
        Assert.True(KubernetesProtobuf.IsEnvelope(protobuf));
        Assert.Equal(json, KubernetesProtobuf.Decode(protobuf).ToJsonString());
    }

    [Fact]
    public void Every_message_of_the_table_reads_and_every_kind_has_metadata_first()
    {
        Assert.True(KubernetesProtobufMessages.Messages.Count > 150);
        foreach (var kind in KubernetesProtobufMessages.KindList.Split(", ").Where(k => k != "DeleteOptions"))
        {
            Assert.True(KubernetesProtobufMessages.Messages.ContainsKey(kind), kind);
            Assert.Equal(new ProtobufField(1, "metadata", ProtobufShape.Single, ProtobufType.Message, "ObjectMeta", false, false, false), KubernetesProtobufMessages.Fields(kind)[0]);
        }
    }

    [Fact]
    public void A_kind_the_lab_does_not_read_from_protobuf_is_refused_with_415_naming_it()
    {
        var error = Assert.Throws<ApiStatusException>(() => KubernetesProtobuf.Decode(Envelope("apps/v1", "StatefulSet", Length(1, Length(1, "web"u8.ToArray())))));
        Assert.Equal((415, "UnsupportedMediaType"), (error.Code, error.Reason));
        Assert.StartsWith("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (this lab's API server decodes protobuf for ClusterRole, ClusterRoleBinding, ConfigMap, DaemonSet, DeleteOptions, Deployment, Endpoints, Job, ", error.Message, StringComparison.Ordinal);
        Assert.Contains("and StatefulSet (apps/v1) in protobuf was sent: send it as JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_that_is_not_a_protobuf_envelope_is_a_bad_request_in_the_serializers_words()
    {
        var error = Assert.Throws<ApiStatusException>(() => KubernetesProtobuf.Decode("{\"kind\":\"Namespace\"}"u8));
        Assert.Equal((400, "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"), (error.Code, error.Message));
        Assert.Equal("empty body", Assert.Throws<ApiStatusException>(() => KubernetesProtobuf.Decode("k8s\0"u8)).Message);
    }

    [Fact]
    public void A_truncated_body_is_a_bad_request()
    {
        var whole = Envelope("v1", "Namespace", Length(1, Length(1, "team"u8.ToArray())));
        var error = Assert.Throws<ApiStatusException>(() => KubernetesProtobuf.Decode(whole.AsSpan(0, whole.Length - 2)));
        Assert.Equal((400, "the protobuf body is truncated"), (error.Code, error.Message));
    }

    [Fact]
    public void Fields_newer_than_v1_29_are_dropped_and_negative_and_zero_pointers_are_kept()
    {
        // Deployment: metadata {name}, spec {replicas: 0 (a pointer), minReadySeconds: -1, 99: a field v1.29 does not have}
        byte[] spec = [.. Varint(1 << 3), 0, .. Varint(5 << 3), .. Varint(unchecked((ulong)-1L)), .. Length(99, "new"u8.ToArray())];
        var decoded = KubernetesProtobuf.Decode(Envelope("apps/v1", "Deployment", [.. Length(1, Length(1, "web"u8.ToArray())), .. Length(2, spec)]));
        Assert.Equal("""{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","creationTimestamp":null},"spec":{"replicas":0,"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":null}},"strategy":{},"minReadySeconds":-1},"status":{}}""", decoded.ToJsonString());
    }

    [Fact]
    public void Delete_options_from_a_typed_client_are_read_under_any_group_version()
    {
        // DeleteOptions {1 gracePeriodSeconds: 0 (a pointer), 4 propagationPolicy: Foreground, 5 dryRun: [All]}
        byte[] options = [.. Varint(1 << 3), 0, .. Length(4, "Foreground"u8.ToArray()), .. Length(5, "All"u8.ToArray())];
        Assert.Equal(
            """{"kind":"DeleteOptions","apiVersion":"apps/v1","gracePeriodSeconds":0,"propagationPolicy":"Foreground","dryRun":["All"]}""",
            KubernetesProtobuf.Decode(Envelope("apps/v1", "DeleteOptions", options)).ToJsonString());
    }

    /// <summary>"k8s\0" and a runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind}, 2 raw}.</summary>
    private static byte[] Envelope(string apiVersion, string kind, byte[] raw) =>
        [.. "k8s\0"u8, .. Length(1, [.. Length(1, System.Text.Encoding.UTF8.GetBytes(apiVersion)), .. Length(2, System.Text.Encoding.UTF8.GetBytes(kind))]), .. Length(2, raw)];

    private static byte[] Length(int number, byte[] payload) => [.. Varint((ulong)(number << 3 | 2)), .. Varint((ulong)payload.Length), .. payload];

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
