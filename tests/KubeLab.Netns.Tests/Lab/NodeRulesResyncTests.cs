namespace KubeLab.Netns.Tests.Lab;

/// <summary>
/// After an apply the live node holds exactly what `kubelab rules --node` shows (issue 13, item 19): kube-proxy's
/// resync and kube-router's per-pod KUBE-POD-FW chains, added and removed with their pods.
/// </summary>
[Trait("Category", "Netns")]
public sealed class NodeRulesResyncTests : TestLab
{
    /// <summary>Node vm1's live iptables-save and `rules --node vm1`, compared chain by chain as the round-trip tests do.</summary>
    private void AssertVm1MatchesRules(string when)
    {
        var expected = IptablesRoundTrip.Parse(Kubelab.Ok("rules", "--name", Name, "--node", "vm1"));
        var actual = IptablesRoundTrip.Parse(Kubelab.Ok("exec", "--name", Name, "vm1", "--", "iptables-save"));
        var missing = expected.Keys.Except(actual.Keys).Select(k => $"{k.Table}/{k.Chain}").ToList();
        // the kernel lists every built-in chain of every table it holds; rules --node lists the chains the programs write
        var extra = actual.Keys.Except(expected.Keys).Where(k => actual[k].Count > 0 || k.Chain.StartsWith("KUBE-", StringComparison.Ordinal))
            .Select(k => $"{k.Table}/{k.Chain}").ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, $"{when}: chains missing on vm1: {string.Join(", ", missing)}; chains only on vm1: {string.Join(", ", extra)}");
        foreach (var (key, rules) in expected)
        {
            Assert.True(rules.SequenceEqual(actual[key]), $"{when}: {key.Table}/{key.Chain} differs:\nrules --node: {string.Join("\n  ", rules)}\nvm1: {string.Join("\n  ", actual[key])}");
        }
    }

    [SkippableFact]
    public void After_apply_and_delete_vm1_holds_exactly_what_rules_node_shows()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name, "-f", "seed");
        AssertVm1MatchesRules("after up");
        var pod = Path.Combine(Kubelab.Home, "web.yaml");
        File.WriteAllText(pod, "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec: {nodeName: vm1, containers: [{name: c, image: nginx}]}\n");
        Kubelab.Ok("apply", "--name", Name, "-f", pod);
        Assert.Contains("KUBE-POD-FW-", Kubelab.Ok("exec", "--name", Name, "vm1", "--", "iptables-save", "-t", "filter"), StringComparison.Ordinal);
        AssertVm1MatchesRules("after a pod was added on vm1");
        Kubelab.Ok("delete", "--name", Name, "-f", pod);
        AssertVm1MatchesRules("after the pod was deleted");
    }
}
