using System.Text.RegularExpressions;

namespace KubeLab.Core.Tests.Api;

/// <summary>
/// Secrets, ServiceAccounts, Leases, the RBAC kinds and Endpoints through the real kubectl (1.29 and 1.33): created,
/// listed with kube-apiserver v1.29's columns (pkg/printers/internalversion/printers.go; Roles and ClusterRoles have
/// no printer, so the default table's NAME and CREATED AT), watched and deleted.
/// </summary>
public sealed partial class KindsTests(ApiLab lab) : IClassFixture<ApiLab>
{
    [GeneratedRegex(@"\b(\d{1,2})s( ?)")]
    private static partial Regex Age();

    /// <summary>
    /// A table with each AGE cell under 100 s ("0s", "42s") as "AGE", keeping every other byte and the width of the
    /// column (a one-digit age and the space after it, or a two-digit one, are three characters).
    /// </summary>
    private static string WithoutAges(string table) => Age().Replace(table, m => m.Groups[1].Length == 2 ? "AGE" + m.Groups[2].Value : "AGE");

    private static void AssertTable(string expected, string actual) => Assert.Equal(WithoutAges(expected), WithoutAges(actual));

    /// <summary>kubectl's typed generator (`kubectl create secret …`): JSON from 1.29, protobuf from 1.33.</summary>
    private string Create(string version, params string[] generator) => lab.KubectlOk(version, ["create", .. generator]);

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_secret_is_created_from_literals_listed_with_its_type_and_data_count_and_deleted(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "creds" + ApiLab.Suffix(version);
        Assert.Equal($"secret/{name} created\n", Create(version, "secret", "generic", name, "--from-literal=user=admin", "--from-literal=password=s3cret"));
        AssertTable($"NAME       TYPE     DATA   AGE\n{name}   Opaque   2      0s\n", lab.KubectlOk(version, "get", "secret", name));
        Assert.Equal("YWRtaW4=", lab.KubectlOk(version, "get", "secret", name, "-o", "jsonpath={.data.user}"));
        Assert.Equal($"secret/{name}\n", lab.KubectlOk(version, "get", "secrets", "--field-selector", $"type=Opaque,metadata.name={name}", "-o", "name"));
        Assert.Equal("", lab.KubectlOk(version, "get", "secrets", "--field-selector", $"type=kubernetes.io/tls,metadata.name={name}", "-o", "name"));
        Assert.Equal($"secret \"{name}\" deleted\n", lab.KubectlOk(version, "delete", "secret", name));
        Assert.Equal($"Error from server (NotFound): secrets \"{name}\" not found\n", lab.Kubectl(version, "get", "secret", name).Err);
    }

    [SkippableFact]
    public void String_data_is_stored_as_data_and_a_bad_key_is_refused_in_the_api_servers_words()
    {
        ApiLab.RequireKubectl("1.29");
        var manifest = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls-pair\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: CERT\n  tls.key: KEY\n";
        Assert.Equal("secret/tls-pair created\n", lab.KubectlWithInput("1.29", manifest, "apply", "-f", "-").Out);
        Assert.Equal("Q0VSVA== S0VZ ", lab.KubectlOk("1.29", "get", "secret", "tls-pair", "-o", "jsonpath={.data.tls\\.crt} {.data.tls\\.key} {.stringData}"));
        var missing = lab.KubectlWithInput("1.29", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: half-pair\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: CERT\n", "create", "-f", "-");
        Assert.Equal((1, "The Secret \"half-pair\" is invalid: data[tls.key]: Required value\n"), (missing.Code, missing.Err));
        var bad = lab.KubectlWithInput("1.29", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad-key\nstringData:\n  a b: c\n", "create", "-f", "-");
        Assert.Equal(1, bad.Code);
        Assert.Equal("The Secret \"bad-key\" is invalid: data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')\n", bad.Err);
        var retyped = lab.KubectlWithInput("1.29", manifest.Replace("kubernetes.io/tls", "Opaque", StringComparison.Ordinal), "apply", "-f", "-");
        Assert.Equal((1, "The Secret \"tls-pair\" is invalid: type: Invalid value: \"Opaque\": field is immutable\n"), (retyped.Code, retyped.Err[retyped.Err.IndexOf("The Secret", StringComparison.Ordinal)..]));
    }

    [SkippableFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_secret_data_stays_in_the_labs_private_state_file()
    {
        ApiLab.RequireKubectl("1.29");
        lab.KubectlOk("1.29", "create", "secret", "generic", "private-one", "--from-literal=token=never-printed");
        // the database and its write-ahead log (where the commit is until a checkpoint moves it into the database)
        var files = new[] { "state.db", "state.db-wal" }.Select(f => Path.Combine(lab.LabDir, f)).Where(File.Exists).ToList();
        Assert.All(files, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
        Assert.Contains(Convert.ToBase64String("never-printed"u8.ToArray()), string.Concat(files.Select(f => System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f)))), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Every_namespace_gets_a_default_service_account_as_the_controller_makes_it(string version)
    {
        ApiLab.RequireKubectl(version);
        var ns = "team" + ApiLab.Suffix(version);
        Assert.Equal($"namespace/{ns} created\n", Create(version, "namespace", ns));
        AssertTable("NAME      SECRETS   AGE\ndefault   0         0s\n", lab.KubectlOk(version, "get", "serviceaccounts", "-n", ns));
        Assert.Equal($"serviceaccount/robot created\n", Create(version, "serviceaccount", "robot", "-n", ns));
        Assert.Equal("serviceaccount/default\nserviceaccount/robot\n", lab.KubectlOk(version, "get", "sa", "-n", ns, "-o", "name"));
        foreach (var builtin in new[] { "default", "kube-node-lease", "kube-public", "kube-system" })
        {
            Assert.Equal("serviceaccount/default\n", lab.KubectlOk(version, "get", "sa", "default", "-n", builtin, "-o", "name"));
        }

        Assert.Equal($"serviceaccount \"robot\" deleted\n", lab.KubectlOk(version, "delete", "sa", "robot", "-n", ns));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Node_leases_and_a_created_lease_are_listed_with_their_holders(string version)
    {
        ApiLab.RequireKubectl(version);
        AssertTable("NAME   HOLDER   AGE\nvm1    vm1      0s\nvm2    vm2      0s\nvm3    vm3      0s\n", lab.KubectlOk(version, "get", "leases", "-n", "kube-node-lease"));
        var name = "leader" + ApiLab.Suffix(version);
        var created = lab.KubectlWithInput(version, $"apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: {name}\nspec:\n  holderIdentity: pod-a\n  leaseDurationSeconds: 15\n", "create", "-f", "-");
        Assert.Equal($"lease.coordination.k8s.io/{name} created\n", created.Out);
        AssertTable($"NAME        HOLDER   AGE\n{name}   pod-a    0s\n", lab.KubectlOk(version, "get", "lease", name));
        Assert.Equal($"lease.coordination.k8s.io \"{name}\" deleted\n", lab.KubectlOk(version, "delete", "lease", name));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Rbac_kinds_are_stored_and_listed_with_the_api_servers_columns(string version)
    {
        ApiLab.RequireKubectl(version);
        var s = ApiLab.Suffix(version);
        Assert.Equal($"role.rbac.authorization.k8s.io/reader{s} created\n", Create(version, "role", "reader" + s, "--verb=get,list", "--resource=pods"));
        Assert.Equal($"rolebinding.rbac.authorization.k8s.io/reader{s} created\n", Create(version, "rolebinding", "reader" + s, "--role=reader" + s, "--user=alice", "--serviceaccount=default:default"));
        Assert.Equal($"clusterrole.rbac.authorization.k8s.io/nodes{s} created\n", Create(version, "clusterrole", "nodes" + s, "--verb=get", "--resource=nodes"));
        Assert.Equal($"clusterrolebinding.rbac.authorization.k8s.io/nodes{s} created\n", Create(version, "clusterrolebinding", "nodes" + s, "--clusterrole=nodes" + s, "--group=devs"));

        var roles = lab.KubectlOk(version, "get", "role", "reader" + s);
        Assert.Matches($"^NAME        CREATED AT\nreader{s}   \\d{{4}}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\n$", roles);
        AssertTable($"NAME        ROLE             AGE   USERS   GROUPS   SERVICEACCOUNTS\nreader{s}   Role/reader{s}   0s    alice            default/default\n",
            WithoutAges(lab.KubectlOk(version, "get", "rolebinding", "reader" + s, "-o", "wide")));
        AssertTable($"NAME       ROLE                   AGE   USERS   GROUPS   SERVICEACCOUNTS\nnodes{s}   ClusterRole/nodes{s}   0s            devs     \n",
            WithoutAges(lab.KubectlOk(version, "get", "clusterrolebinding", "nodes" + s, "-o", "wide")));
        Assert.Equal("[\"get\",\"list\"] pods", lab.KubectlOk(version, "get", "role", "reader" + s, "-o", "jsonpath={.rules[0].verbs} {.rules[0].resources[0]}"));

        var changed = lab.KubectlWithInput(version, $"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: reader{s}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\n", "replace", "-f", "-");
        Assert.Equal(1, changed.Code);
        Assert.Contains($"The RoleBinding \"reader{s}\" is invalid: roleRef: Invalid value: rbac.RoleRef{{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"view\"}}: cannot change roleRef", changed.Err, StringComparison.Ordinal);

        Assert.Equal($"rolebinding.rbac.authorization.k8s.io \"reader{s}\" deleted\nrole.rbac.authorization.k8s.io \"reader{s}\" deleted\n",
            lab.KubectlOk(version, "delete", $"rolebinding/reader{s}", $"role/reader{s}"));
        Assert.Equal($"clusterrolebinding.rbac.authorization.k8s.io \"nodes{s}\" deleted\nclusterrole.rbac.authorization.k8s.io \"nodes{s}\" deleted\n",
            lab.KubectlOk(version, "delete", $"clusterrolebinding/nodes{s}", $"clusterrole/nodes{s}"));
    }

    [SkippableFact]
    public void A_watch_on_secrets_sees_one_created()
    {
        ApiLab.RequireKubectl("1.29");
        using var watch = lab.StartKubectl("1.29", "get", "secrets", "-w", "-o", "name");
        lab.KubectlOk("1.29", "create", "secret", "generic", "watched", "--from-literal=a=b");
        Assert.True(ApiLab.ReadUntil(watch, "secret/watched", TimeSpan.FromSeconds(20)), "kubectl get secrets -w did not print the new secret");
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Endpoints_are_mirrored_for_services_with_selectors_and_stored_for_those_without(string version)
    {
        ApiLab.RequireKubectl(version);
        AssertTable("NAME            ENDPOINTS                                AGE\nnginx-service   10.42.0.8:80,10.42.1.2:80,10.42.2.2:80   0s\n",
            WithoutAges(lab.KubectlOk(version, "get", "endpoints", "nginx-service")));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", lab.KubectlOk(version, "get", "ep", "nginx-service", "-o", "jsonpath={.metadata.annotations.endpoints\\.kubernetes\\.io/last-change-trigger-time}"));
        var name = "outside" + ApiLab.Suffix(version);
        var manifest = $"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports:\n  - port: 80\n---\napiVersion: v1\nkind: Endpoints\nmetadata:\n  name: {name}\nsubsets:\n- addresses:\n  - ip: 10.65.94.1\n  ports:\n  - port: 8080\n";
        Assert.Equal($"service/{name} created\nendpoints/{name} created\n", lab.KubectlWithInput(version, manifest, "apply", "-f", "-").Out);
        AssertTable($"NAME         ENDPOINTS         AGE\n{name}   10.65.94.1:8080   0s\n", lab.KubectlOk(version, "get", "ep", name));
        Assert.Equal($"endpoints \"{name}\" deleted\n", lab.KubectlOk(version, "delete", "endpoints", name));
        Assert.Equal(1, lab.Kubectl(version, "get", "ep", name).Code);
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Webhook_configurations_are_stored_and_listed_with_their_webhook_count(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "metallb-webhook-configuration" + ApiLab.Suffix(version);
        var manifest = $"""
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata:
              name: {name}
            webhooks:
            - admissionReviewVersions: [v1]
              clientConfig:
                service:
                  name: metallb-webhook-service
                  namespace: metallb-system
                  path: /validate-metallb-io-v1beta1-ipaddresspool
              failurePolicy: Fail
              name: ipaddresspoolvalidationwebhook.metallb.io
              rules:
              - apiGroups: [metallb.io]
                apiVersions: [v1beta1]
                operations: [CREATE, UPDATE]
                resources: [ipaddresspools]
              sideEffects: None

            """;
        Assert.Equal($"validatingwebhookconfiguration.admissionregistration.k8s.io/{name} created\n", lab.KubectlWithInput(version, manifest, "apply", "-f", "-").Out);
        AssertTable($"NAME                               WEBHOOKS   AGE\n{name}   1          0s\n", lab.KubectlOk(version, "get", "validatingwebhookconfigurations", name));
        Assert.Equal($"validatingwebhookconfiguration.admissionregistration.k8s.io \"{name}\" deleted\n", lab.KubectlOk(version, "delete", "validatingwebhookconfiguration", name));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Storage_and_ingress_classes_are_served_with_k3s_own_and_the_api_servers_defaults(string version)
    {
        ApiLab.RequireKubectl(version);
        // k3s's manifests/local-storage.yaml class and the Traefik chart's IngressClass are there from the start
        AssertTable(
            "NAME                   PROVISIONER             RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE\n"
            + "local-path (default)   rancher.io/local-path   Delete          WaitForFirstConsumer   false                  0s\n",
            lab.KubectlOk(version, "get", "sc", "local-path"));
        AssertTable(
            "NAME      CONTROLLER                      PARAMETERS   AGE\ntraefik   traefik.io/ingress-controller   <none>       0s\n",
            lab.KubectlOk(version, "get", "ingressclasses"));
        Assert.Equal("deploy@vm1", lab.KubectlOk(version, "get", "sc", "local-path", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}")); // k3s's deploy controller
        Assert.Equal("helm_v3 true", lab.KubectlOk(version, "get", "ingressclass", "traefik", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[0].manager} {.metadata.annotations.ingressclass\\.kubernetes\\.io/is-default-class}"));

        // a class of one's own: SetDefaults_StorageClass fills the reclaim policy and the binding mode
        var name = "fast" + ApiLab.Suffix(version);
        var manifest = $"apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: {name}\nprovisioner: example.com/fast\n";
        Assert.Equal($"storageclass.storage.k8s.io/{name} created\n", lab.KubectlWithInput(version, manifest, "apply", "-f", "-").Out);
        Assert.Equal("Delete Immediate", lab.KubectlOk(version, "get", "storageclass", name, "-o", "jsonpath={.reclaimPolicy} {.volumeBindingMode}"));
        Assert.Matches(@"IsDefaultClass:\s+No\n", lab.KubectlOk(version, "describe", "sc", name));
        Assert.Equal($"storageclass.storage.k8s.io \"{name}\" deleted\n", lab.KubectlOk(version, "delete", "sc", name));
        var (code, _, error) = lab.Kubectl(version, "get", "sc", name);
        Assert.Equal((1, $"Error from server (NotFound): storageclasses.storage.k8s.io \"{name}\" not found\n"), (code, error));
    }
}
