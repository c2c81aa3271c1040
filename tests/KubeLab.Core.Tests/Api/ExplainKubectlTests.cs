namespace KubeLab.Core.Tests.Api;

/// <summary>
/// `kubectl explain` against the lab: kubectl reads /openapi/v3, finds the kind's schema by its
/// x-kubernetes-group-version-kind and prints Kubernetes v1.29's field documentation; custom resources show their
/// definition's schema. kubectl 1.33 also prints an enum field's values.
/// </summary>
public sealed class ExplainKubectlTests(ApiLab lab) : IClassFixture<ApiLab>
{
    public static TheoryData<string> Versions => ApiLab.Versions;

    [SkippableTheory]
    [MemberData(nameof(Versions))]
    public void Explain_prints_a_fields_documentation_its_type_and_its_fields(string version)
    {
        ApiLab.RequireKubectl(version);
        // kubectl 1.33's template leaves one more blank line after FIELD than 1.29's
        var gap = version == "1.29" ? "" : "\n";
        Assert.Equal(
            $"""
            KIND:       Pod
            VERSION:    v1

            FIELD: ports <[]ContainerPort>
            {gap}
            DESCRIPTION:
                List of ports to expose from the container. Not specifying a port here DOES
                NOT prevent that port from being exposed. Any port which is listening on the
                default "0.0.0.0" address inside a container will be accessible from the
                network. Modifying this array with strategic merge patch may corrupt the
                data. For more information See
                https://github.com/kubernetes/kubernetes/issues/108255. Cannot be updated.
                ContainerPort represents a network port in a single container.
                
            FIELDS:
              containerPort	<integer> -required-
                Number of port to expose on the pod's IP address. This must be a valid port
                number, 0 < x < 65536.

              hostIP	<string>
                What host IP to bind the external port to.

            """,
            string.Join('\n', lab.KubectlOk(version, "explain", "pod.spec.containers.ports").Split('\n').Take(version == "1.29" ? 21 : 22)) + "\n");
        var deployment = lab.KubectlOk(version, "explain", "deployments");
        Assert.StartsWith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nDESCRIPTION:\n    Deployment enables declarative updates for Pods and ReplicaSets.\n", deployment, StringComparison.Ordinal);
        Assert.Contains("  spec\t<DeploymentSpec>\n    Specification of the desired behavior of the Deployment.\n", deployment, StringComparison.Ordinal);
        var recursive = lab.KubectlOk(version, "explain", "svc.spec", "--recursive");
        Assert.Contains("  ports\t<[]ServicePort>\n    appProtocol\t<string>\n", recursive, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Kubectl_1_33_lists_an_enum_fields_values_and_1_29_reads_them_in_the_description()
    {
        ApiLab.RequireKubectl("1.33");
        ApiLab.RequireKubectl("1.29");
        Assert.StartsWith(
            "KIND:       Service\nVERSION:    v1\n\nFIELD: type <string>\nENUM:\n    ClusterIP\n    ExternalName\n    LoadBalancer\n    NodePort\n\nDESCRIPTION:\n",
            lab.KubectlOk("1.33", "explain", "service.spec.type"), StringComparison.Ordinal);
        Assert.Contains("    Possible enum values:\n     - `\"ClusterIP\"` means a service will only be accessible inside the cluster,\n    via the cluster IP.\n",
            lab.KubectlOk("1.29", "explain", "service.spec.type"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_custom_resource_is_explained_from_its_definitions_schema_and_a_new_version_of_it_is_seen()
    {
        ApiLab.RequireKubectl("1.29");
        var crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: gadgets.explain.example.com
            spec:
              group: explain.example.com
              names: {kind: Gadget, listKind: GadgetList, plural: gadgets, singular: gadget}
              scope: Namespaced
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    description: A gadget of the lab.
                    properties:
                      spec:
                        type: object
                        description: What the gadget should be.
                        properties:
                          size: {type: integer, description: How big.}
            """;
        Assert.Equal(0, lab.KubectlWithInput("1.29", crd, "apply", "-f", "-").Code);
        Assert.Equal(
            """
            GROUP:      explain.example.com
            KIND:       Gadget
            VERSION:    v1

            FIELD: spec <Object>

            DESCRIPTION:
                What the gadget should be.
                
            FIELDS:
              size	<integer>
                How big.



            """,
            lab.KubectlOk("1.29", "explain", "gadgets.spec"));
        // the definition changes: the document's hash changes with it, and kubectl reads the new schema
        Assert.Equal(0, lab.KubectlWithInput("1.29", crd.Replace("description: How big.", "description: How large.", StringComparison.Ordinal), "apply", "-f", "-").Code);
        Assert.Contains("  size\t<integer>\n    How large.\n", lab.KubectlOk("1.29", "explain", "gadgets.spec"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_document_is_served_with_its_hash_as_etag_and_an_old_hash_is_redirected()
    {
        using var http = lab.AdminHttp(out var port, followRedirects: false);
        http.BaseAddress = new Uri($"https://127.0.0.1:{port}");
        var root = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/openapi/v3"))!;
        var url = root["paths"]!["api/v1"]!["serverRelativeURL"]!.GetValue<string>();
        using var current = await http.GetAsync(url);
        Assert.Equal(System.Net.HttpStatusCode.OK, current.StatusCode);
        var bytes = await current.Content.ReadAsByteArrayAsync();
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA512.HashData(bytes));
        Assert.Equal($"\"{hash}\"", current.Headers.ETag!.Tag);
        Assert.Equal("public, immutable", current.Headers.CacheControl!.ToString());
        Assert.EndsWith($"?hash={hash}", url, StringComparison.Ordinal);
        using var stale = await http.GetAsync("/openapi/v3/api/v1?hash=00");
        Assert.Equal(System.Net.HttpStatusCode.MovedPermanently, stale.StatusCode);
        Assert.Equal(url, stale.Headers.Location!.OriginalString);
    }
}
