using System.CommandLine;
using KubeLab.Cli.Tour;
using KubeLab.Core;
using KubeLab.Core.Control;

namespace KubeLab.Cli.Commands;

internal static class TourCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var interactive = new Option<bool>("--interactive") { Description = "wait for Enter between steps" };
        var step = new Option<int>("--step") { Description = "start at this step", DefaultValueFactory = _ => 1 };
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
            """)
        { lab, interactive, step };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(lab)!;
            var start = parse.GetValue(step);
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

                    if (parse.GetValue(interactive) && i < steps.Count - 1)
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
            finally
            {
                RemoveAdded(context, flag, added, failures);
            }

            context.Out.WriteLine();
            if (failures.Count > 0)
            {
                context.Err.WriteLine($"The tour ran, but {LabTour.Count(failures.Count, "command")} failed:");
                foreach (var failure in failures)
                {
                    context.Err.WriteLine("  " + failure);
                }

                context.Err.WriteLine($"`kubelab list` and `kubelab get pods -o wide{UpCommand.NameFlag(name)}` show the lab's state; `kubelab up{UpCommand.NameFlag(name)}` repairs it.");
                return 1;
            }

            context.Out.WriteLine("End of the tour. Next: `kubelab trace test-pod http://nginx-service:80/` explains the same path hop by hop.");
            return 0;
        });
        return command;
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
        foreach (var words in added.AsEnumerable().Reverse())
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
