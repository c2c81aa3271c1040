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
}
