using System.CommandLine;
using KubeLab.Cli.Tour;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.MetalLB;

namespace KubeLab.Cli.Commands;

internal static class TourCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var interactive = new Option<bool>("--interactive") { Description = "wait for Enter between steps" };
        var step = new Option<int>("--step") { Description = "start at this step", DefaultValueFactory = _ => 1 };
        var lb = new Option<bool>("--lb") { Description = "the LoadBalancer chapter: one MetalLB VIP from vm-ext to an endpoint (a lab made with `up --vm-ext`)" };
        var command = new Command("tour", """
            Walk through the seed's story on a live lab, step by step.

            Every command runs for real: the nodes, the test pod and
            nginx service, curl, the pod's resolv.conf and kube-dns, kube-proxy's chains and their probabilities, the
            routes over cni0 and flannel.1, the VXLAN hop, and a NodePort. The names, addresses and chains are the
            lab's own. Brings up the default lab with the seed scenario if there is none; on an existing lab, adds
            what it lacks (test-pod, nginx-service, nginx-np-svc), says so, and deletes it at the end. Exits 1 when a
            step's command fails.

            Examples:
              sudo kubelab tour
              sudo kubelab tour --interactive
              sudo kubelab tour --step 8
              sudo kubelab up --vm-ext && sudo kubelab tour --lb   # ARP → node → KUBE-EXT → endpoint
            """)
        { lab, interactive, step, lb };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(lab)!;
            var start = parse.GetValue(step);
            if (parse.GetValue(lb))
            {
                return LoadBalancerChapter(context, name, start, parse.GetValue(interactive));
            }

            if (start < 1 || start > LabTour.StepCount)
            {
                throw KubeLabException.Usage($"--step: Invalid value: {start}: the tour has steps 1 to {LabTour.StepCount}");
            }

            var flag = name == CliContext.DefaultLabName() ? [] : new[] { "--name", name };
            var added = new List<string[]>(); // `kubelab delete …` for what the tour adds to a lab it did not make, undone at the end
            if (!context.Store.Exists(name))
            {
                context.Out.WriteLine($"There is no lab \"{name}\" yet: bringing up the seed lab first (it stays; `kubelab down{UpCommand.NameFlag(name)}` removes it).");
                context.Out.WriteLine($"$ kubelab up -f seed{UpCommand.NameFlag(name)}");
                Check(Program.Run(["up", "-f", "seed", .. flag], context));
            }
            else
            {
                AddMissingSeedObjects(context, name, added);
            }

            var state = context.Load(name);
            var dataPlane = state.Config.Driver != "none";
            var snapshot = SnapshotBuilder.FromState(state);
            var nodePortAdded = dataPlane && start <= LabTour.StepCount && snapshot.FindService("default", LabTour.NodePortService) is null;
            if (nodePortAdded)
            {
                context.Out.WriteLine($"Step {LabTour.StepCount} adds Service {LabTour.NodePortService} (`kubelab apply -f nodeport`); the tour deletes it at the end.");
            }

            var steps = LabTour.Steps(snapshot, nodePortAdded);
            var failures = new List<string>();
            try
            {
                RunSteps(context, steps, start, flag, parse.GetValue(interactive), dataPlane, added, failures);
            }
            finally
            {
                RemoveAdded(context, flag, added, failures);
            }

            context.Out.WriteLine();
            if (ReportFailures(context, "The tour", failures))
            {
                context.Err.WriteLine($"`kubelab list` and `kubelab get pods -o wide{UpCommand.NameFlag(name)}` show the lab's state; `kubelab up{UpCommand.NameFlag(name)}` repairs it.");
                return 1;
            }

            context.Out.WriteLine("End of the tour. Next: `kubelab trace test-pod http://nginx-service:80/` explains the same path hop by hop.");
            return 0;
        });
        return command;
    }

    /// <summary>Runs <paramref name="steps"/> from <paramref name="start"/>, noting failed commands and what `apply -f nodeport` added.</summary>
    private static void RunSteps(CliContext context, IReadOnlyList<TourStep> steps, int start, string[] flag, bool interactive, bool dataPlane, List<string[]> added, List<string> failures)
    {
        for (var i = start - 1; i < steps.Count; i++)
        {
            var s = steps[i];
            context.Out.WriteLine();
            context.Out.WriteLine($"── Step {i + 1}/{steps.Count}: {s.Title} " + new string('─', Math.Max(3, 70 - s.Title.Length)));
            if (s.NeedsDataPlane && !dataPlane)
            {
                context.Out.WriteLine("(this lab is model-only, driver none: there is no kernel to run this step on; `sudo kubelab tour --name seed` uses a netns lab)");
            }
            else
            {
                foreach (var words in s.Commands)
                {
                    context.Out.WriteLine();
                    var typed = "kubelab " + string.Join(' ', InsertName(words, flag).Select(Quote));
                    context.Out.WriteLine("$ " + typed);
                    context.Out.Flush();
                    var code = Program.Run([.. InsertName(words, flag)], context);
                    context.Out.Flush();
                    if (code != 0)
                    {
                        context.Out.WriteLine($"(exit code {code})");
                        failures.Add($"step {i + 1}: `{typed}` exited with {code}");
                    }
                    else if (words is ["apply", "-f", "nodeport"])
                    {
                        added.Add(["delete", "-f", "nodeport"]);
                    }
                }
            }

            context.Out.WriteLine();
            foreach (var line in s.Explanation.Split('\n'))
            {
                context.Out.WriteLine("  " + line);
            }

            if (interactive && i < steps.Count - 1)
            {
                context.Out.Write("\n[Enter] next step ");
                context.Out.Flush();
                if (context.In.ReadLine() is null)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// `tour --lb`: on a lab with vm-ext, follows one announced MetalLB VIP. A lab without MetalLB gets the metallb-l2
    /// scenario for the chapter (deleted at the end); a lab with MetalLB but no announced VIP is told what to add.
    /// </summary>
    private static int LoadBalancerChapter(CliContext context, string name, int start, bool interactive)
    {
        var flag = name == CliContext.DefaultLabName() ? [] : new[] { "--name", name };
        if (!context.Store.Exists(name))
        {
            throw KubeLabException.Usage($"tour --lb: there is no lab \"{name}\": the chapter needs vm-ext, its outside client; bring one up with `sudo kubelab up --vm-ext{UpCommand.NameFlag(name)}`");
        }

        var state = context.Load(name);
        if (!state.Config.ExternalVm)
        {
            throw KubeLabException.Usage($"tour --lb: lab \"{name}\" has no vm-ext, the chapter's outside client on VLAN 100; make the lab with `sudo kubelab up --vm-ext{UpCommand.NameFlag(name)}` (after `kubelab down{UpCommand.NameFlag(name)}`)");
        }

        var added = new List<string[]>();
        if (L2Speakers.Announcements(state).Count == 0)
        {
            var metalLb = state.Objects.Any(o => o.Kind == "IPAddressPool" || (o.Kind == "Namespace" && o.Name == ControlPlane.MetalLbNamespace));
            if (metalLb)
            {
                throw KubeLabException.Invalid($"tour --lb: lab \"{name}\" has MetalLB but announces no LoadBalancer VIP: apply a pool, an L2Advertisement and a LoadBalancer Service with a ready endpoint (`kubelab scenarios metallb-l2` shows them)");
            }

            context.Out.WriteLine($"Lab \"{name}\" has no MetalLB: the chapter adds the `metallb-l2` scenario (MetalLB's pool and L2Advertisement, nginx-lbl2 behind nginx-mlb-l2-service 10.123.123.100) and deletes it at the end.");
            context.Out.WriteLine($"$ kubelab apply -f metallb-l2{UpCommand.NameFlag(name)}");
            Check(Program.Run(["apply", "-f", "metallb-l2", .. flag], context));
            added.Add(["delete", "-f", "metallb-l2"]);
            state = context.Load(name);
        }

        var failures = new List<string>();
        try
        {
            var elections = L2Speakers.Elections(state);
            var chosen = LabTour.ChapterVip([.. elections.Select(e => e.Announcement)]);
            if (chosen is null)
            {
                throw KubeLabException.Host($"tour --lb: lab \"{name}\" announces no LoadBalancer VIP after applying metallb-l2 (`kubelab get svc{UpCommand.NameFlag(name)}` shows why)");
            }

            var steps = LabTour.LoadBalancerSteps(SnapshotBuilder.FromState(state), chosen, elections.First(e => e.Announcement == chosen).Eligible);
            if (start < 1 || start > steps.Count)
            {
                throw KubeLabException.Usage($"--step: Invalid value: {start}: the LoadBalancer chapter has steps 1 to {steps.Count}");
            }

            RunSteps(context, steps, start, flag, interactive, state.Config.Driver != "none", added, failures);
        }
        finally
        {
            RemoveAdded(context, flag, added, failures);
        }

        context.Out.WriteLine();
        if (ReportFailures(context, "The LoadBalancer chapter", failures))
        {
            return 1;
        }

        context.Out.WriteLine("End of the LoadBalancer chapter. Next: `kubelab trace --from-ip 10.123.123.4 VIP:PORT --via NODE` enters through another node.");
        return 0;
    }

    /// <summary>"… ran, but N commands failed:" and each failed command, on stderr; whether any failed.</summary>
    private static bool ReportFailures(CliContext context, string what, List<string> failures)
    {
        if (failures.Count == 0)
        {
            return false;
        }

        context.Err.WriteLine($"{what} ran, but {LabTour.Count(failures.Count, "command")} failed:");
        foreach (var failure in failures)
        {
            context.Err.WriteLine("  " + failure);
        }

        return true;
    }

    /// <summary>
    /// The seed scenario's objects the lab lacks are applied (on a lab with pods of its own, without the seed's pinned
    /// addresses, which may be taken); the tour says so and deletes exactly those at the end.
    /// </summary>
    private static void AddMissingSeedObjects(CliContext context, string name, List<string[]> added)
    {
        var snapshot = SnapshotBuilder.FromState(context.Load(name));
        bool Has(string kind, string objectName) => kind switch
        {
            "Deployment" => snapshot.Deployments.Any(d => d.Namespace == "default" && d.Name == objectName),
            "Service" => snapshot.FindService("default", objectName) is not null,
            _ => snapshot.FindPod("default", objectName) is not null,
        };
        var missing = LabTour.SeedObjects.Where(o => !Has(o.Kind, o.Name)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        // the seed's addresses are free on a lab without pods of its own and without ServiceLB's pods
        var pinned = !snapshot.Pods.Any(p => p.Namespace == "default") && !K3sAddons.Enabled(snapshot.Config, K3sAddons.ServiceLB);
        var scenarios = pinned ? new[] { "seed" } : ["nginx-svc", "test-pod"];
        var documents = ManifestSources.Read(scenarios, context.In).Where(d => missing.Contains((d.Kind, d.Name))).ToList();
        context.Out.WriteLine($"Lab \"{name}\" lacks what the tour walks through; the tour adds {string.Join(", ", missing.Select(m => $"{m.Kind} {m.Name}"))} from the `{string.Join("` and `", scenarios)}` scenario and deletes {(missing.Count == 1 ? "it" : "them")} at the end.");
        foreach (var line in ApplyCommand.Apply(context, name, documents, context.Steps()))
        {
            context.Out.WriteLine(line);
        }

        foreach (var (kind, objectName) in missing.AsEnumerable().Reverse())
        {
            added.Add(["delete", kind.ToLowerInvariant(), objectName]);
        }
    }

    private static void RemoveAdded(CliContext context, string[] flag, List<string[]> added, List<string> failures)
    {
        if (added.Count == 0)
        {
            return;
        }

        context.Out.WriteLine();
        context.Out.WriteLine("Removing what the tour added:");
        // a pod is not waited for: a sleeping test-pod takes its 30 s grace period to terminate
        foreach (var words in added.AsEnumerable().Reverse().Select(w => w is ["delete", "pod", ..] ? [.. w, "--wait=false"] : w))
        {
            var typed = "kubelab " + string.Join(' ', words.Concat(flag).Select(Quote));
            context.Out.WriteLine("$ " + typed);
            context.Out.Flush();
            var code = Program.Run([.. words, .. flag], context);
            context.Out.Flush();
            if (code != 0)
            {
                failures.Add($"clean-up: `{typed}` exited with {code}");
            }
        }
    }

    /// <summary>`--name LAB` goes before `--` so it stays kubelab's option, not the command's.</summary>
    private static IEnumerable<string> InsertName(string[] words, string[] flag)
    {
        var dash = Array.IndexOf(words, "--");
        return dash < 0 ? words.Concat(flag) : words[..dash].Concat(flag).Concat(words[dash..]);
    }

    private static void Check(int code)
    {
        if (code != 0)
        {
            throw KubeLabException.Host($"setting up the tour's lab failed (exit code {code})");
        }
    }

    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c, StringComparison.Ordinal)) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
