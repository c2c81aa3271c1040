using KubeLab.Netns.Tests.Lab;

namespace KubeLab.Netns.Tests.Tour;

[Trait("Category", "Netns")]
public sealed class TourTests : TestLab
{
    [SkippableFact]
    public void Tour_runs_to_the_end_without_input_and_shows_the_seeds_names_resolv_conf_and_routes()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the tour's netns lab needs root (CI runs these as root)");
        var output = Kubelab.Ok("tour", "--name", Name);
        foreach (var chain in new[] { "KUBE-SVC-V2OKYYMBY3REGZOG", "KUBE-SEP-LNMZPQ2U2A5TEEGP", "KUBE-SEP-3Y75O4B4KDVD7TMA", "KUBE-SEP-Z33JJVRDNG7R4HVW", "KUBE-SVC-NPX46M4PTMTKRN6Y" })
        {
            Assert.Contains(chain, output, StringComparison.Ordinal);
        }

        Assert.Contains(SeedGolden.Read("test-pod.resolv.conf"), output, StringComparison.Ordinal);
        foreach (var route in SeedGolden.Read("vm1.ip-route").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Contains(route.TrimEnd() + " \n", output, StringComparison.Ordinal);
        }

        Assert.Contains("probability 0.33333333349", output, StringComparison.Ordinal);
        Assert.Contains("200 from node port 30000 on vm1", output, StringComparison.Ordinal);
        Assert.Contains("End of the tour.", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output); // no spinner or colour codes without a terminal
    }

    [SkippableFact]
    public void Tour_on_a_lab_with_its_own_addresses_shows_that_labs_chains_and_removes_the_node_port_service_it_added()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the tour's netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name);
        Kubelab.Ok("apply", "-f", "nginx-svc", "-f", "test-pod", "--name", Name);
        var rules = Kubelab.Ok("rules", "--node", "vm1", "--component", "kube-proxy", "--name", Name);
        var svc = KubeLab.Cli.Tour.LabTour.ServiceChain(rules, "default/nginx-service")!;
        var sep = KubeLab.Cli.Tour.LabTour.EndpointChains(rules, svc)[0];

        var (code, output, error) = Kubelab.Run("tour", "--name", Name);

        Assert.True(code == 0, error + output);
        Assert.NotEqual("KUBE-SEP-LNMZPQ2U2A5TEEGP", sep); // the seed's first endpoint (10.42.0.8) is not this lab's
        Assert.Contains($"$ kubelab exec vm1 --name {Name} -- iptables -t nat -S {sep}\n-N {sep}\n", output, StringComparison.Ordinal);
        Assert.Contains($"Chain {svc} (", output, StringComparison.Ordinal);
        Assert.DoesNotContain("(exit code", output, StringComparison.Ordinal);
        Assert.DoesNotContain("10.43.180.238", output, StringComparison.Ordinal);
        Assert.Contains("200 from node port 30000 on vm1", output, StringComparison.Ordinal);
        Assert.Contains($"$ kubelab delete -f nodeport --name {Name}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("nginx-np-svc", Kubelab.Ok("get", "svc", "--name", Name), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Tour_exits_1_and_names_the_step_when_a_command_fails()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the tour's netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name);
        Kubelab.Ok("apply", "-f", "nginx-svc", "-f", "test-pod", "--name", Name);
        // No nginx pod: nginx-service has no endpoint, so test-pod's curl fails.
        var noReplicas = Path.Combine(Kubelab.Home, "no-replicas.yaml");
        File.WriteAllText(noReplicas, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: nginx-deployment
              labels:
                app: nginx
            spec:
              replicas: 0
              selector:
                matchLabels:
                  app: nginx
              template:
                metadata:
                  labels:
                    app: nginx
                spec:
                  containers:
                  - name: nginx
                    image: nginx:latest
                    ports:
                    - containerPort: 80
            """);
        Kubelab.Ok("apply", "-f", noReplicas, "--name", Name);

        var (code, output, error) = Kubelab.Run("tour", "--name", Name);

        Assert.Equal(1, code);
        Assert.Contains("step 3: `kubelab exec test-pod --name " + Name + " -- curl", error, StringComparison.Ordinal);
        Assert.Contains("nginx-service has no endpoint", output, StringComparison.Ordinal);
        Assert.Contains("$ kubelab delete -f nodeport", output, StringComparison.Ordinal); // removed even though steps failed
    }

    [SkippableFact]
    public void Interactive_tour_under_tmux_waits_for_enter()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the tour's netns lab needs root (CI runs these as root)");
        Skip.IfNot(HostCommand.OnPath("tmux"), "NOT RUN: tmux is not installed (CI installs it)");
        Kubelab.Ok("up", "--name", Name, "-f", "seed");
        var session = "kl-tour-" + Name;
        var dll = typeof(KubeLab.Cli.Program).Assembly.Location;
        HostCommand.Check("tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "50",
            $"env KUBELAB_HOME={Kubelab.Home} KUBECONFIG={Kubelab.Kubeconfig} dotnet {dll} tour --interactive --name {Name}; sleep 30");
        try
        {
            var screen = WaitForScreen(session, s => s.Contains("[Enter] next step", StringComparison.Ordinal));
            Assert.Contains("Step 1/12", screen, StringComparison.Ordinal);
            Assert.DoesNotContain("Step 2/12", screen, StringComparison.Ordinal);
            Thread.Sleep(300); // it must still be waiting: nothing may move without a key
            Assert.DoesNotContain("Step 2/12", Capture(session), StringComparison.Ordinal);
            HostCommand.Check("tmux", "send-keys", "-t", session, "Enter");
            WaitForScreen(session, s => s.Contains("Step 2/12", StringComparison.Ordinal));
        }
        finally
        {
            HostCommand.Run("tmux", ["kill-session", "-t", session]);
        }
    }

    private static string Capture(string session) => HostCommand.Check("tmux", "capture-pane", "-p", "-t", session, "-S", "-200");

    private static string WaitForScreen(string session, Func<string, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var screen = "";
        while (DateTime.UtcNow < deadline)
        {
            screen = Capture(session);
            if (condition(screen))
            {
                return screen;
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException("tmux screen never showed what was expected:\n" + screen);
    }

    [SkippableFact]
    public void Tour_lb_follows_the_vip_from_vm_ext_through_the_node_that_answers_arp_and_removes_the_metallb_it_added()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the tour's netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name, "--vm-ext", "--disable", "servicelb,traefik");

        var (code, output, error) = Kubelab.Run("tour", "--lb", "--name", Name);

        Assert.True(code == 0, error + output);
        Assert.Contains("the chapter adds the `metallb-l2` scenario", output, StringComparison.Ordinal);
        Assert.Contains("200 from 10.123.123.100 seen from vm-ext", output, StringComparison.Ordinal);
        Assert.DoesNotContain("(exit code", output, StringComparison.Ordinal);
        var owner = System.Text.RegularExpressions.Regex.Match(output, @"Step 2/5: ARP: (vm\d) answers for 10\.123\.123\.100").Groups[1].Value;
        Assert.NotEqual("", owner);
        // vm-ext's neighbour entry for the VIP, as the step printed it, is the owner's ens3.100 MAC (the next command's output)
        var mac = System.Text.RegularExpressions.Regex.Match(output, @"ens3\.100@\S+\s+UP\s+([0-9a-f:]{17})").Groups[1].Value;
        Assert.Contains($"10.123.123.100 dev ens3.100 lladdr {mac}", output, StringComparison.Ordinal);
        Assert.Matches(@"-A KUBE-SERVICES -d 10\.123\.123\.100/32 -p tcp -m comment --comment ""default/nginx-mlb-l2-service loadbalancer IP"" -m tcp --dport 80 -j KUBE-EXT-", output);
        Assert.Contains("End of the LoadBalancer chapter.", output, StringComparison.Ordinal);
        Assert.Contains($"$ kubelab delete -f metallb-l2 --name {Name}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("nginx-mlb-l2-service", Kubelab.Ok("get", "svc", "--name", Name), StringComparison.Ordinal);
    }
}
