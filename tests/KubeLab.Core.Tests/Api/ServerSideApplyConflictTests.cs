namespace KubeLab.Core.Tests.Api;

/// <summary>`kubectl apply --server-side` by two field managers against a lab: the API server's conflict, and --force-conflicts.</summary>
public sealed class ServerSideApplyConflictTests(ApiLab lab) : IClassFixture<ApiLab>
{
    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_second_manager_gets_the_conflict_and_takes_the_field_with_force(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "shared-" + ApiLab.Suffix(version);
        string Manifest(string color) => $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  color: {color}\n  size: large\n";
        Assert.Equal($"configmap/{name} serverside-applied\n", lab.KubectlWithInput(version, Manifest("blue"), "apply", "--server-side", "--field-manager=alice", "-f", "-").Out);
        // the same values: shared, no conflict
        Assert.Equal($"configmap/{name} serverside-applied\n", lab.KubectlWithInput(version, Manifest("blue"), "apply", "--server-side", "--field-manager=carol", "-f", "-").Out);

        var conflict = lab.KubectlWithInput(version, Manifest("red"), "apply", "--server-side", "--field-manager=bob", "-f", "-");
        Assert.Equal(1, conflict.Code);
        Assert.StartsWith("error: Apply failed with 2 conflicts: conflicts with \"alice\":\n- .data.color\nconflicts with \"carol\":\n- .data.color\nPlease review the fields above--they currently have other managers.", conflict.Err, StringComparison.Ordinal);
        Assert.Equal("blue", lab.KubectlOk(version, "get", "configmap", name, "-o", "jsonpath={.data.color}"));

        Assert.Equal($"configmap/{name} serverside-applied\n", lab.KubectlWithInput(version, Manifest("red"), "apply", "--server-side", "--field-manager=bob", "--force-conflicts", "-f", "-").Out);
        Assert.Equal("red", lab.KubectlOk(version, "get", "configmap", name, "-o", "jsonpath={.data.color}"));
        // the API server sorts entries by time, then manager: applies within one second come in the managers' order
        Assert.Equal(
            ["alice {\"f:data\":{\"f:size\":{}}}", "bob {\"f:data\":{\"f:color\":{},\"f:size\":{}}}", "carol {\"f:data\":{\"f:size\":{}}}"],
            lab.KubectlOk(version, "get", "configmap", name, "-o", "jsonpath={range .metadata.managedFields[*]}{.manager} {.fieldsV1}{\"\\n\"}{end}").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }
}
