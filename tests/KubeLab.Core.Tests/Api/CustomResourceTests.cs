using System.Diagnostics;

namespace KubeLab.Core.Tests.Api;

/// <summary>
/// CustomResourceDefinitions and their custom resources through the real kubectl (1.29 and 1.33) and Debian's
/// python3-kubernetes: discovery picks a CRD up once created, its custom resources are stored, listed with the CRD's
/// printer columns, checked against its schema, and deleted with it.
/// </summary>
public sealed class CustomResourceTests(ApiLab lab) : IClassFixture<ApiLab>
{
    /// <summary>A CRD of group <paramref name="group"/> with printer columns, a required field, a default and a status subresource.</summary>
    private static string Crd(string group, string scope) => $$"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.{{group}}
        spec:
          group: {{group}}
          names:
            kind: Widget
            plural: widgets
            shortNames: [wd]
          scope: {{scope}}
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
            additionalPrinterColumns:
            - name: Size
              type: integer
              jsonPath: .spec.size
            - name: Color
              type: string
              jsonPath: .spec.color
            - name: Ready
              type: boolean
              jsonPath: .status.ready
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    required: [size]
                    properties:
                      size: {type: integer}
                      color: {type: string, default: blue, enum: [blue, red]}
                  status:
                    type: object
                    properties:
                      ready: {type: boolean}

        """;

    private static string Widget(string group, string name, string spec) => $"apiVersion: {group}/v1\nkind: Widget\nmetadata:\n  name: {name}\nspec: {spec}\n";

    private (int Code, string Out, string Err) Apply(string version, string manifest) => lab.KubectlWithInput(version, manifest, "apply", "-f", "-");

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_crd_is_established_and_its_custom_resources_are_applied_and_listed_with_its_printer_columns(string version)
    {
        ApiLab.RequireKubectl(version);
        var group = $"v{ApiLab.Suffix(version)}.example.com";
        Assert.Equal($"customresourcedefinition.apiextensions.k8s.io/widgets.{group} created\n", Apply(version, Crd(group, "Namespaced")).Out);
        Assert.Equal("NamesAccepted=True/NoConflicts Established=True/InitialNamesAccepted ",
            lab.KubectlOk(version, "get", "crd", $"widgets.{group}", "-o", "jsonpath={range .status.conditions[*]}{.type}={.status}/{.reason} {end}"));

        Assert.Equal($"widget.{group}/small created\n", Apply(version, Widget(group, "small", "{size: 1}")).Out);
        Assert.Equal($"widget.{group}/big created\n", Apply(version, Widget(group, "big", "{size: 10, color: red}")).Out);
        // the status subresource: a write to the object itself does not set status
        Assert.Equal($"widget.{group}/big configured\n", Apply(version, Widget(group, "big", "{size: 10, color: red}\nstatus: {ready: true}")).Out);
        // a column whose path finds nothing is a null cell, which kubectl prints empty
        Assert.Equal("NAME    SIZE   COLOR   READY\nbig     10     red     \nsmall   1      blue    \n", lab.KubectlOk(version, "get", $"widgets.{group}"));
        Assert.Equal("blue 1", lab.KubectlOk(version, "get", $"widgets.{group}", "small", "-o", "jsonpath={.spec.color} {.metadata.generation}"));
        Assert.Equal($"widget.{group}/big\n", lab.KubectlOk(version, "get", $"widgets.{group}", "--field-selector", "metadata.name=big", "-o", "name"));

        var resources = lab.KubectlOk(version, "api-resources", $"--api-group={group}");
        Assert.Matches($"\nwidgets +wd +{group.Replace(".", "\\.", StringComparison.Ordinal)}/v1 +true +Widget\n$", resources);
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_custom_resource_is_checked_against_its_schema_in_the_api_servers_words(string version)
    {
        ApiLab.RequireKubectl(version);
        var group = $"s{ApiLab.Suffix(version)}.example.com";
        Apply(version, Crd(group, "Namespaced"));
        var unknown = Apply(version, Widget(group, "w", "{size: 1, shape: round}"));
        Assert.Equal((1, $"Error from server (BadRequest): error when creating \"STDIN\": Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.shape\"\n"), (unknown.Code, unknown.Err));
        var wrongType = Apply(version, Widget(group, "w", "{size: many}"));
        Assert.Equal((1, "The Widget \"w\" is invalid: spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\"\n"), (wrongType.Code, wrongType.Err));
        var missing = Apply(version, Widget(group, "w", "{color: red}"));
        Assert.Equal((1, "The Widget \"w\" is invalid: spec.size: Required value\n"), (missing.Code, missing.Err));
        var unsupported = Apply(version, Widget(group, "w", "{size: 1, color: green}"));
        Assert.Equal((1, "The Widget \"w\" is invalid: spec.color: Unsupported value: \"green\": supported values: \"blue\", \"red\"\n"), (unsupported.Code, unsupported.Err));
        // --validate=false sends fieldValidation=Ignore: the unknown field is pruned, not refused
        Assert.Equal($"widget.{group}/w created\n", lab.KubectlWithInput(version, Widget(group, "w", "{size: 1, shape: round}"), "create", "--validate=false", "-f", "-").Out);
        Assert.Equal("{\"color\":\"blue\",\"size\":1}", lab.KubectlOk(version, "get", $"widgets.{group}", "w", "-o", "jsonpath={.spec}"));
    }

    [SkippableFact]
    public void Deleting_a_crd_deletes_its_custom_resources_and_its_discovery()
    {
        ApiLab.RequireKubectl("1.29");
        const string group = "gone.example.com";
        Apply("1.29", Crd(group, "Namespaced"));
        Apply("1.29", Widget(group, "doomed", "{size: 1}"));
        Assert.Contains("\"finalizers\":[\"customresourcecleanup.apiextensions.k8s.io\"]", lab.KubectlOk("1.29", "get", "crd", $"widgets.{group}", "-o", "json").Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal($"customresourcedefinition.apiextensions.k8s.io \"widgets.{group}\" deleted\n", lab.KubectlOk("1.29", "delete", "crd", $"widgets.{group}"));
        Assert.DoesNotContain($"\"{group}\"", lab.KubectlOk("1.29", "get", "--raw", "/apis"), StringComparison.Ordinal);
        Assert.Equal(1, lab.Kubectl("1.29", "get", "--raw", $"/apis/{group}/v1/namespaces/default/widgets/doomed").Code);

        // created again, the CRD has no custom resources: the old one went with it
        Apply("1.29", Crd(group, "Namespaced"));
        Assert.Equal("", lab.KubectlOk("1.29", "get", $"widgets.{group}", "-o", "name"));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_cluster_scoped_custom_resource_has_no_namespace(string version)
    {
        ApiLab.RequireKubectl(version);
        var group = $"c{ApiLab.Suffix(version)}.example.com";
        Apply(version, Crd(group, "Cluster"));
        Assert.Equal($"widget.{group}/global created\n", Apply(version, Widget(group, "global", "{size: 2}")).Out);
        Assert.Equal("global  2", lab.KubectlOk(version, "get", $"widgets.{group}", "global", "-o", "jsonpath={.metadata.name} {.metadata.namespace} {.spec.size}"));
        Assert.Equal($"widget.{group}/global\n", lab.KubectlOk(version, "get", $"widgets.{group}", "-A", "-o", "name"));
        Assert.Equal($"widget.{group} \"global\" deleted\n", lab.KubectlOk(version, "delete", $"widgets.{group}", "global"));
    }

    [SkippableFact]
    public void MetalLBs_pools_keep_the_labs_own_type_when_metallbs_crd_is_applied()
    {
        ApiLab.RequireKubectl("1.29");
        const string crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: ipaddresspools.metallb.io
            spec:
              group: metallb.io
              names: {kind: IPAddressPool, listKind: IPAddressPoolList, plural: ipaddresspools, singular: ipaddresspool}
              scope: Namespaced
              versions:
              - name: v1beta1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true

            """;
        Assert.Equal("customresourcedefinition.apiextensions.k8s.io/ipaddresspools.metallb.io created\n", Apply("1.29", crd).Out);
        Apply("1.29", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: metallb-system\n");
        var bad = Apply("1.29", "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: broken\n  namespace: metallb-system\nspec:\n  addresses: [not-an-ip]\n");
        Assert.Equal(1, bad.Code);
        Assert.Contains("admission webhook \"ipaddresspoolvalidationwebhook.metallb.io\" denied the request", bad.Err, StringComparison.Ordinal);
        Assert.Equal("ipaddresspool.metallb.io/lab created\n", Apply("1.29", "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lab\n  namespace: metallb-system\nspec:\n  addresses: [10.123.123.100-10.123.123.110]\n").Out);
        Assert.Equal("ipaddresspool.metallb.io/lab\n", lab.KubectlOk("1.29", "get", "ipaddresspools", "-n", "metallb-system", "-o", "name"));
    }

    [SkippableFact]
    public void A_watch_on_a_custom_resource_sees_it_created()
    {
        ApiLab.RequireKubectl("1.29");
        const string group = "watch.example.com";
        Apply("1.29", Crd(group, "Namespaced"));
        using var watch = lab.StartKubectl("1.29", "get", $"widgets.{group}", "-w", "-o", "name");
        Apply("1.29", Widget(group, "seen", "{size: 3}"));
        Assert.True(ApiLab.ReadUntil(watch, $"widget.{group}/seen", TimeSpan.FromSeconds(20)), "kubectl get -w did not print the new custom resource");
    }

    [SkippableFact]
    public void The_python_client_creates_and_lists_a_custom_resource()
    {
        const string python = "/usr/bin/python3";
        Skip.IfNot(File.Exists(python) && Run(python, "-c", "import kubernetes").Code == 0,
            "NOT RUN: Debian's python3-kubernetes is not installed (`apt-get install python3-kubernetes`; .ci/run installs it)");
        ApiLab.RequireKubectl("1.29");
        const string group = "py.example.com";
        Apply("1.29", Crd(group, "Namespaced"));
        var script = $$$"""
            from kubernetes import client, config
            config.load_kube_config(config_file="{{{lab.Kubeconfig}}}")
            api = client.CustomObjectsApi()
            body = {"apiVersion": "{{{group}}}/v1", "kind": "Widget", "metadata": {"name": "from-python"}, "spec": {"size": 5}}
            created = api.create_namespaced_custom_object("{{{group}}}", "v1", "default", "widgets", body)
            print(created["metadata"]["name"], created["spec"])
            listed = api.list_namespaced_custom_object("{{{group}}}", "v1", "default", "widgets")
            print(listed["kind"], [w["metadata"]["name"] for w in listed["items"]])
            api.delete_namespaced_custom_object("{{{group}}}", "v1", "default", "widgets", "from-python")
            try:
                api.get_namespaced_custom_object("{{{group}}}", "v1", "default", "widgets", "from-python")
            except client.exceptions.ApiException as e:
                print(e.status)
            """;
        var (code, output, error) = Run(python, "-c", script);
        Assert.True(code == 0, error);
        Assert.Equal("from-python {'color': 'blue', 'size': 5}\nWidgetList ['from-python']\n404\n", output);
    }

    private static (int Code, string Out, string Err) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in 60 s");
        }

        return (process.ExitCode, output.Result, error.Result);
    }
}
