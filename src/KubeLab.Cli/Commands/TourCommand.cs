using System.CommandLine;
using KubeLab.Cli.Tour;
using KubeLab.Core;

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
            routes over cni0 and flannel.1, the VXLAN hop, and a NodePort. Brings up the default lab with the seed
            scenario if there is none.

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
            if (start < 1 || start > SeedTour.Steps.Count)
            {
                throw KubeLabException.Usage($"--step: Invalid value: {start}: the tour has steps 1 to {SeedTour.Steps.Count}");
            }

            var flag = name == CliContext.DefaultLabName() ? [] : new[] { "--name", name };
            if (!context.Store.Exists(name))
            {
                context.Out.WriteLine($"There is no lab \"{name}\" yet: bringing up the seed lab first.");
                context.Out.WriteLine($"$ kubelab up -f seed{UpCommand.NameFlag(name)}");
                Check(Program.Run(["up", "-f", "seed", .. flag], context));
            }
            else if (context.Load(name).Find("Service", "default", "nginx-service") is null)
            {
                context.Out.WriteLine($"$ kubelab apply -f seed{UpCommand.NameFlag(name)}");
                Check(Program.Run(["apply", "-f", "seed", .. flag], context));
            }

            var driver = context.Load(name).Config.Driver;
            for (var i = start - 1; i < SeedTour.Steps.Count; i++)
            {
                var s = SeedTour.Steps[i];
                context.Out.WriteLine();
                context.Out.WriteLine($"── Step {i + 1}/{SeedTour.Steps.Count}: {s.Title} " + new string('─', Math.Max(3, 70 - s.Title.Length)));
                if (s.NeedsDataPlane && driver == "none")
                {
                    context.Out.WriteLine("(this lab is model-only, driver none: there is no kernel to run this step on; `sudo kubelab tour --name seed` uses a netns lab)");
                }
                else
                {
                    foreach (var words in s.Commands)
                    {
                        context.Out.WriteLine();
                        context.Out.WriteLine("$ kubelab " + string.Join(' ', InsertName(words, flag).Select(Quote)));
                        context.Out.Flush();
                        var code = Program.Run([.. InsertName(words, flag)], context);
                        context.Out.Flush();
                        if (code != 0)
                        {
                            context.Out.WriteLine($"(exit code {code})");
                        }
                    }
                }

                context.Out.WriteLine();
                foreach (var line in s.Explanation.Split('\n'))
                {
                    context.Out.WriteLine("  " + line);
                }

                if (parse.GetValue(interactive) && i < SeedTour.Steps.Count - 1)
                {
                    context.Out.Write("\n[Enter] next step ");
                    context.Out.Flush();
                    if (context.In.ReadLine() is null)
                    {
                        break;
                    }
                }
            }

            context.Out.WriteLine();
            context.Out.WriteLine("End of the tour. Next: `kubelab trace test-pod http://nginx-service:80/` explains the same path hop by hop.");
            return 0;
        });
        return command;
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
