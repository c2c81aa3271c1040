using System.Text.Json.Nodes;

namespace KubeLab.Core.Tests.Api;

/// <summary>
/// kubectl 1.33's typed `create` commands send protobuf; the lab's API server reads them, and the object they make is
/// the one kubectl 1.29's JSON body makes for the same command (both read back with `kubectl get -o json`, without
/// what the server assigns each object: uid, resourceVersion, timestamps, cluster IPs, node ports, status).
/// </summary>
public sealed class ProtobufCreateTests(ApiLab lab) : IClassFixture<ApiLab>
{
    /// <summary>A kubectl command ({0} is the name's suffix: the version, 129 or 133) and the resource to read back.</summary>
    public static TheoryData<string, string, string> Commands => new()
    {
        { "namespace pb-ns-{0}", "namespace", "pb-ns-{0}" },
        { "secret generic pb-secret-{0} --from-literal=user=admin --from-literal=password=s3cret", "secret", "pb-secret-{0}" },
        { "secret docker-registry pb-reg-{0} --docker-server=registry.example --docker-username=u --docker-password=p", "secret", "pb-reg-{0}" },
        { "configmap pb-cm-{0} --from-literal=a=b --from-literal=c=d", "configmap", "pb-cm-{0}" },
        { "service clusterip pb-svc-{0} --tcp=80:8080 --tcp=443", "service", "pb-svc-{0}" },
        { "service clusterip pb-headless-{0} --clusterip=None", "service", "pb-headless-{0}" },
        { "service nodeport pb-np-{0} --tcp=80:80", "service", "pb-np-{0}" },
        { "service loadbalancer pb-lb-{0} --tcp=5678:8080", "service", "pb-lb-{0}" },
        { "service externalname pb-en-{0} --external-name=example.com", "service", "pb-en-{0}" },
        { "serviceaccount pb-sa-{0}", "serviceaccount", "pb-sa-{0}" },
        { "deployment pb-deploy-{0} --image=nginx --port=80 --replicas=2", "deployment", "pb-deploy-{0}" },
        { "deployment pb-cmd-{0} --image=busybox -- sleep infinity", "deployment", "pb-cmd-{0}" },
        { "job pb-job-{0} --image=busybox -- echo hi", "job", "pb-job-{0}" },
        { "role pb-role-{0} --verb=get,list --resource=pods,deployments.apps --resource-name=a", "role", "pb-role-{0}" },
        { "rolebinding pb-rb-{0} --role=pb-role --user=u --serviceaccount=default:pb-sa --group=g", "rolebinding", "pb-rb-{0}" },
        { "clusterrole pb-cr-{0} --verb=get --resource=nodes --non-resource-url=/healthz", "clusterrole", "pb-cr-{0}" },
        { "clusterrole pb-agg-{0} --aggregation-rule=rbac.example.com/aggregate=true", "clusterrole", "pb-agg-{0}" },
        { "clusterrolebinding pb-crb-{0} --clusterrole=pb-cr --group=g --user=u", "clusterrolebinding", "pb-crb-{0}" },
    };

    [SkippableTheory]
    [MemberData(nameof(Commands))]
    public void Kubectl_133s_protobuf_create_makes_the_object_kubectl_129s_json_create_makes(string command, string resource, string name)
    {
        ApiLab.RequireKubectl("1.29");
        ApiLab.RequireKubectl("1.33");
        var made = new[] { "129", "133" }.Select(suffix =>
        {
            var args = string.Format(System.Globalization.CultureInfo.InvariantCulture, command, suffix).Split(' ');
            lab.KubectlOk(suffix == "129" ? "1.29" : "1.33", ["create", .. args]);
            var json = lab.KubectlOk("1.29", "get", resource, string.Format(System.Globalization.CultureInfo.InvariantCulture, name, suffix), "-o", "json");
            return Comparable(json, suffix);
        }).ToArray();
        Assert.Equal(made[0], made[1]);
    }

    /// <summary>The object without what the server assigns, its uid (also in a Job's selector) and name suffix replaced.</summary>
    private static string Comparable(string json, string suffix)
    {
        var uid = JsonNode.Parse(json)!["metadata"]!["uid"]!.GetValue<string>();
        var o = JsonNode.Parse(json.Replace(uid, "UID", StringComparison.Ordinal).Replace("-" + suffix, "-SUFFIX", StringComparison.Ordinal))!.AsObject();
        var metadata = o["metadata"]!.AsObject();
        foreach (var assigned in new[] { "resourceVersion", "creationTimestamp" })
        {
            Assert.NotNull(metadata[assigned]);
            metadata.Remove(assigned);
        }

        foreach (var entry in metadata["managedFields"]?.AsArray() ?? [])
        {
            entry!.AsObject().Remove("time");
        }

        o.Remove("status");
        if (o["spec"] is JsonObject spec && o["kind"]!.GetValue<string>() == "Service")
        {
            spec.Remove("clusterIP");
            spec.Remove("clusterIPs");
            foreach (var port in spec["ports"]?.AsArray() ?? [])
            {
                port!.AsObject().Remove("nodePort");
            }
        }

        return o.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
