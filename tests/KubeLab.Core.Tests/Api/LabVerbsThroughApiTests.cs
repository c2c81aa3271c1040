namespace KubeLab.Core.Tests.Api;

/// <summary>
/// `kubelab apply` and `kubelab run` on a lab that serves the API are its clients, as kubectl is: the same objects,
/// annotations and field managers whichever of the two writes, and each sees the other's work as its own
/// ("unchanged"); the API server's warnings reach both.
/// </summary>
public sealed class LabVerbsThroughApiTests(ApiLab lab) : IClassFixture<ApiLab>
{
    private string Manifest(string name, string image = "nginx:1.25", int port = 80)
    {
        var path = Path.Combine(lab.LabDir, "..", $"{name}-{port}.yaml");
        File.WriteAllText(path, $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {name}
              labels: {"{"}tier: web, app: {name}{"}"}
            spec:
              replicas: 2
              selector:
                matchLabels: {"{"}app: {name}{"}"}
              template:
                metadata:
                  labels: {"{"}app: {name}{"}"}
                spec:
                  containers:
                  - name: web
                    image: {image}
                    ports:
                    - containerPort: {port}
            """);
        return path;
    }

    private string LastApplied(string name) =>
        lab.KubectlOk("1.29", "get", "deployment", name, "-o", "jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}");

    [SkippableFact]
    public void Kubelab_apply_and_kubectl_apply_write_the_same_and_see_each_others_work_as_unchanged()
    {
        ApiLab.RequireKubectl("1.29");
        var first = Manifest("verbs-a");
        Assert.Equal("deployment.apps/verbs-a created\n", lab.Cli.Ok("apply", "-f", first, "--name", lab.Name));
        Assert.Equal("deployment.apps/verbs-a unchanged\n", lab.KubectlOk("1.29", "apply", "-f", first));
        var byKubelab = LastApplied("verbs-a");
        Assert.StartsWith("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"labels":{"app":"verbs-a","tier":"web"},"name":"verbs-a","namespace":"default"},""", byKubelab, StringComparison.Ordinal);

        var second = Manifest("verbs-b");
        Assert.Equal("deployment.apps/verbs-b created\n", lab.KubectlOk("1.29", "apply", "-f", second));
        Assert.Equal("deployment.apps/verbs-b unchanged\n", lab.Cli.Ok("apply", "-f", second, "--name", lab.Name));
        Assert.Equal(byKubelab.Replace("verbs-a", "verbs-b", StringComparison.Ordinal), LastApplied("verbs-b"));
        Assert.Contains("kubectl-client-side-apply", lab.KubectlOk("1.29", "get", "deployment", "verbs-b", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}"), StringComparison.Ordinal);

        // a change by kubelab is a three-way patch: another writer's scale stays as the file leaves replicas alone… 
        lab.KubectlOk("1.29", "scale", "deployment", "verbs-a", "--replicas=3");
        Assert.Equal("deployment.apps/verbs-a configured\n", lab.Cli.Ok("apply", "-f", Manifest("verbs-a", port: 8080), "--name", lab.Name));
        Assert.Equal("2 8080", lab.KubectlOk("1.29", "get", "deployment", "verbs-a", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].ports[0].containerPort}"));
        Assert.Equal("deployment.apps/verbs-a unchanged\n", lab.KubectlOk("1.29", "apply", "-f", Manifest("verbs-a", port: 8080)));
    }

    [Fact]
    public void A_file_with_an_invalid_object_applies_nothing_and_names_the_file_line_and_field()
    {
        var path = Path.Combine(lab.LabDir, "..", "verbs-bad.yaml");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: verbs-good
            data: {a: "1"}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: verbs-bad
            spec:
              ports:
              - port: 70000
            """);
        var (code, output, error) = lab.Cli.Run("apply", "-f", path, "--name", lab.Name);
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        Assert.Contains("verbs-bad.yaml:7", error, StringComparison.Ordinal);
        Assert.Contains("spec.ports[0].port", error, StringComparison.Ordinal);
        Assert.Contains("\"verbs-good\" not found", lab.Cli.Run("get", "configmap", "verbs-good", "--name", lab.Name).Err, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Kubelab_run_creates_the_pod_as_kubectl_run_does_and_a_second_is_already_exists()
    {
        ApiLab.RequireKubectl("1.29");
        var (code, output, error) = lab.Cli.Run("run", "verbs-r", "--image=redis", "--name", lab.Name);
        Assert.Equal(0, code);
        Assert.Equal("pod/verbs-r created\n", output);
        // the API server's warning, as kubectl prints it
        Assert.StartsWith("Warning: image \"redis\" is not emulated (KubeLab runs no container images): pod default/verbs-r shows Running", error, StringComparison.Ordinal);
        // the kubelet's status and the create, in the API server's order: by time (seconds), then by manager
        var entries = lab.KubectlOk("1.29", "get", "pod", "verbs-r", "--show-managed-fields", "-o", "jsonpath={range .metadata.managedFields[*]}{.time} {.manager}{\"\\n\"}{end}")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["k3s", "kubectl-run"], entries.Select(e => e.Split(' ')[1]).Order(StringComparer.Ordinal));
        Assert.Equal(entries.Order(StringComparer.Ordinal), entries);
        Assert.Equal("", lab.KubectlOk("1.29", "get", "pod", "verbs-r", "-o", "jsonpath={.metadata.annotations}"));

        var again = lab.Cli.Run("run", "verbs-r", "--image=redis", "--name", lab.Name);
        Assert.NotEqual(0, again.Code);
        Assert.Equal("Error from server (AlreadyExists): pods \"verbs-r\" already exists\n", again.Err);
    }

    [SkippableFact]
    public void Kubectl_is_warned_of_pods_whose_image_the_lab_does_not_emulate()
    {
        ApiLab.RequireKubectl("1.29");
        var (code, _, error) = lab.KubectlWithInput("1.29", File.ReadAllText(Manifest("verbs-redis", image: "redis:7")), "apply", "-f", "-");
        Assert.Equal(0, code);
        Assert.Matches("^Warning: image \"redis:7\" is not emulated \\(KubeLab runs no container images\\): pods default/verbs-redis-[a-z0-9]+-[a-z0-9]{5}, default/verbs-redis-[a-z0-9]+-[a-z0-9]{5} show Running, but nothing runs or listens in them\\. Emulated: nginx", error);
        Assert.Equal("", lab.KubectlWithInput("1.29", File.ReadAllText(Manifest("verbs-nginx")), "apply", "-f", "-").Err);
    }

    [SkippableFact]
    public void Kubelab_delete_deletes_as_kubectl_does_and_waits_unless_told_not_to()
    {
        ApiLab.RequireKubectl("1.29");
        lab.Cli.Ok("apply", "-f", Manifest("verbs-d"), "--name", lab.Name);
        lab.Cli.Ok("run", "verbs-sleeper", "--image=nicolaka/netshoot", "--command", "--name", lab.Name, "--", "sleep", "infinity");

        Assert.Equal("deployment.apps \"verbs-d\" deleted\n", lab.Cli.Ok("delete", "deployment", "verbs-d", "--name", lab.Name));
        Assert.Contains("NotFound", lab.Kubectl("1.29", "get", "deployment", "verbs-d").Err, StringComparison.Ordinal); // gone when delete returns

        // a process that ignores SIGTERM keeps its pod Terminating for the grace period: --wait=false does not wait for it
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("pod \"verbs-sleeper\" deleted\n", lab.Cli.Ok("delete", "pod", "verbs-sleeper", "--wait=false", "--name", lab.Name));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), watch.Elapsed.ToString());
        Assert.Matches(@"^verbs-sleeper\s+1/1\s+Terminating\s", lab.KubectlOk("1.29", "get", "pod", "verbs-sleeper", "--no-headers"));

        var missing = lab.Cli.Run("delete", "pod", "verbs-nope", "--name", lab.Name);
        Assert.Equal("Error from server (NotFound): pods \"verbs-nope\" not found\n", missing.Err);
        Assert.Equal((0, "", ""), lab.Cli.Run("delete", "pod", "verbs-nope", "--ignore-not-found", "--name", lab.Name));
    }

    [SkippableFact]
    public void Custom_resources_are_found_by_discovery_as_kubectl_finds_them()
    {
        ApiLab.RequireKubectl("1.29");
        // a plural that is not the kind's name with an s: the path and the printed names come from the server's discovery
        var definition = Path.Combine(lab.LabDir, "..", "verbs-crd.yaml");
        File.WriteAllText(definition, """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: policies.verbs.example.com
            spec:
              group: verbs.example.com
              names: {kind: Policy, plural: policies, singular: policy, listKind: PolicyList, shortNames: [vpol]}
              scope: Namespaced
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        properties:
                          level: {type: string}
            """);
        const string policy = """
            {"apiVersion": "verbs.example.com/v1", "kind": "Policy", "metadata": {"name": "strict"}, "spec": {"level": "high"}}
            """;
        Assert.Equal("customresourcedefinition.apiextensions.k8s.io/policies.verbs.example.com created\n", lab.Cli.Ok("apply", "-f", definition, "--name", lab.Name));
        var file = Path.Combine(lab.LabDir, "..", "verbs-policy.json");
        File.WriteAllText(file, policy);
        Assert.Equal("policy.verbs.example.com/strict created\n", lab.Cli.Ok("apply", "-f", file, "--name", lab.Name));
        // kubectl reads the last-applied configuration kubelab wrote as its own
        Assert.Equal((0, "policy.verbs.example.com/strict unchanged\n", ""), lab.KubectlWithInput("1.29", policy, "apply", "-f", "-"));

        Assert.Equal("policy.verbs.example.com/strict\n", lab.Cli.Ok("get", "vpol", "--name", lab.Name, "-o", "name"));
        Assert.Equal("high", lab.Cli.Ok("get", "policies.verbs.example.com", "strict", "--name", lab.Name, "-o", "jsonpath={.spec.level}"));
        Assert.Equal("policy.verbs.example.com \"strict\" deleted\n", lab.Cli.Ok("delete", "-f", file, "--name", lab.Name));
        Assert.Contains("NotFound", lab.Kubectl("1.29", "get", "policy", "strict").Err, StringComparison.Ordinal);
        // a kind kubelab's own type names never listed
        Assert.Equal(0, lab.KubectlWithInput("1.29", """{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "verbs-lease"}}""", "apply", "-f", "-").Code);
        Assert.Equal("lease.coordination.k8s.io \"verbs-lease\" deleted\n", lab.Cli.Ok("delete", "lease", "verbs-lease", "--name", lab.Name));
    }

    [Fact]
    public void A_file_with_a_custom_resource_the_lab_cannot_take_applies_nothing()
    {
        var definition = Path.Combine(lab.LabDir, "..", "verbs-gauges.yaml");
        System.IO.File.WriteAllText(definition, """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: gauges.verbs.example.com
            spec:
              group: verbs.example.com
              names: {kind: Gauge, plural: gauges}
              scope: Cluster
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        properties:
                          size: {type: integer}
                          unit: {type: string, default: cm}
            """);
        lab.Cli.Ok("apply", "-f", definition, "--name", lab.Name);
        (string Name, string Text) Manifest(string name, string gauge)
        {
            var path = Path.Combine(lab.LabDir, "..", name);
            System.IO.File.WriteAllText(path, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: verbs-before-gauge}\n---\n" + gauge);
            return (path, gauge);
        }

        // each is refused before anything is sent: the ConfigMap before it in the file is not created
        var unknownField = Manifest("verbs-gauge-field.yaml", "apiVersion: verbs.example.com/v1\nkind: Gauge\nmetadata: {name: g}\nspec: {size: 3, colour: red}\n");
        var wrongType = Manifest("verbs-gauge-type.yaml", "apiVersion: verbs.example.com/v1\nkind: Gauge\nmetadata: {name: g}\nspec: {size: big}\n");
        var unserved = Manifest("verbs-gadget.yaml", "apiVersion: verbs.example.com/v2\nkind: Gauge\nmetadata: {name: g, namespace: x}\n");
        Assert.Equal((2, "", $"{unknownField.Name}:5: Gauge in version \"v1\" cannot be handled as a Gauge: strict decoding error: unknown field \"spec.colour\"\n"),
            lab.Cli.Run("apply", "-f", unknownField.Name, "--name", lab.Name));
        // metadata is ObjectMeta's: a misspelt field is an unknown field (first), as the API server's strict decoding says
        var metadataField = Manifest("verbs-gauge-meta.yaml", "apiVersion: verbs.example.com/v1\nkind: Gauge\nmetadata: {name: g, lables: {a: b}}\nspec: {size: 3, colour: red}\n");
        const string Unknown = "Gauge in version \"v1\" cannot be handled as a Gauge: strict decoding error: unknown field \"metadata.lables\", unknown field \"spec.colour\"";
        Assert.Equal((2, "", $"{metadataField.Name}:5: {Unknown}\n"), lab.Cli.Run("apply", "-f", metadataField.Name, "--name", lab.Name));
        if (ApiLab.HasKubectl("1.29"))
        {
            Assert.EndsWith($": {Unknown}\n", lab.KubectlWithInput("1.29", metadataField.Text, "apply", "-f", "-").Err, StringComparison.Ordinal);
        }

        Assert.Equal((2, "", $"{wrongType.Name}:5: The Gauge.verbs.example.com \"g\" is invalid: spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\"\n"),
            lab.Cli.Run("apply", "-f", wrongType.Name, "--name", lab.Name));
        var mapping = $"resource mapping not found for name: \"g\" namespace: \"x\" from \"{unserved.Name}\": no matches for kind \"Gauge\" in version \"verbs.example.com/v2\"\nensure CRDs are installed first\n";
        Assert.Equal((2, "", $"{unserved.Name}:5: {mapping}"), lab.Cli.Run("apply", "-f", unserved.Name, "--name", lab.Name));
        Assert.Equal((2, "", $"{unserved.Name}:5: {mapping}"), lab.Cli.Run("delete", "-f", unserved.Name, "--name", lab.Name));
        Assert.Equal((2, "", "<stdin>:1: " + mapping.Replace($"from \"{unserved.Name}\"", "from \"STDIN\"", StringComparison.Ordinal)),
            lab.Cli.RunWithInput(unserved.Text, "apply", "-f", "-", "--name", lab.Name));
        // a kind the lab serves without storing it: the API server's own answer, before anything is sent
        var statefulSet = Manifest("verbs-sts.yaml", "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec: {selector: {matchLabels: {a: b}}, serviceName: s, template: {metadata: {labels: {a: b}}}}\n");
        var refused = lab.Cli.Run("apply", "-f", statefulSet.Name, "--name", lab.Name);
        Assert.Equal(2, refused.Code);
        Assert.StartsWith($"{statefulSet.Name}:5: Error from server (MethodNotAllowed): KubeLab's control plane does not store statefulsets.apps yet (it stores ", refused.Err, StringComparison.Ordinal);
        if (ApiLab.HasKubectl("1.29"))
        {
            // kubectl's own words for the same file (it maps every object first, then sends what it could map)
            Assert.EndsWith(mapping, lab.Kubectl("1.29", "delete", "-f", unserved.Name).Err, StringComparison.Ordinal);
        }

        Assert.Contains("NotFound", lab.Cli.Run("get", "configmap", "verbs-before-gauge", "--name", lab.Name).Err, StringComparison.Ordinal);

        // the same object without the fault: created with the schema's default, cluster-scoped
        var good = Manifest("verbs-gauge.yaml", "apiVersion: verbs.example.com/v1\nkind: Gauge\nmetadata: {name: g}\nspec: {size: 3}\n");
        Assert.Equal("configmap/verbs-before-gauge created\ngauge.verbs.example.com/g created\n", lab.Cli.Ok("apply", "-f", good.Name, "--name", lab.Name));
        Assert.Equal("3 cm ", lab.Cli.Ok("get", "gauges", "g", "--name", lab.Name, "-o", "jsonpath={.spec.size} {.spec.unit} {.metadata.namespace}"));
        Assert.Equal("gauge.verbs.example.com \"g\" deleted\nconfigmap \"verbs-before-gauge\" deleted\n", lab.Cli.Ok("delete", "-f", good.Name, "--name", lab.Name));
    }

    [Fact]
    public void A_crd_and_its_custom_resources_apply_from_one_file()
    {
        // kubectl maps the custom resource before its CRD exists and fails it on the first run; the lab establishes a
        // CRD as it stores it, so kubelab takes the file in one go: the plural comes from the CRD (dials, not dialses)
        var file = Path.Combine(lab.LabDir, "..", "verbs-dials.yaml");
        File.WriteAllText(file, """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: dials.verbs.example.com}
            spec:
              group: verbs.example.com
              names: {kind: Dial, plural: dials}
              scope: Namespaced
              versions:
              - name: v1
                served: true
                storage: true
                schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {level: {type: integer}}}}}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: verbs-dials}
            ---
            apiVersion: verbs.example.com/v1
            kind: Dial
            metadata: {name: d, namespace: verbs-dials}
            spec: {level: 7}
            """);
        try
        {
            Assert.Equal("customresourcedefinition.apiextensions.k8s.io/dials.verbs.example.com created\nnamespace/verbs-dials created\ndial.verbs.example.com/d created\n",
                lab.Cli.Ok("apply", "-f", file, "--name", lab.Name));
            Assert.Equal("7", lab.Cli.Ok("get", "dials", "d", "-n", "verbs-dials", "--name", lab.Name, "-o", "jsonpath={.spec.level}"));
        }
        finally
        {
            lab.Cli.Run("delete", "-f", file, "--name", lab.Name, "--ignore-not-found");
        }

        Assert.Contains("NotFound", lab.Cli.Run("get", "crd", "dials.verbs.example.com", "--name", lab.Name).Err, StringComparison.Ordinal);
    }
}
