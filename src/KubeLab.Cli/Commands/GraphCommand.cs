using System.CommandLine;
using System.Diagnostics;
using KubeLab.Core;
using KubeLab.Core.Lab;

namespace KubeLab.Cli.Commands;

internal static class GraphCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var output = new Option<string>("--output", "-o") { Description = "text (box drawing), mermaid, dot or svg (needs Graphviz's `dot`)", DefaultValueFactory = _ => "text" };
        output.AcceptOnlyFromAmong("text", "mermaid", "dot", "svg");
        var command = new Command("graph", """
            Draw the lab's topology.

            The host bridge, each node's ens3, flannel.1 and cni0, the pods' veths, the VXLAN mesh and the services.

            Examples:
              kubelab graph
              kubelab graph -o mermaid > lab.md        # renders on GitHub inside a ```mermaid block
              kubelab graph -o svg > lab.svg           # apt-get install graphviz
            """)
        { lab, output };
        command.SetAction(parse =>
        {
            var snapshot = context.Snapshot(parse.GetValue(lab)!);
            switch (parse.GetValue(output))
            {
                case "mermaid":
                    context.Out.Write(TopologyGraph.Mermaid(snapshot));
                    break;
                case "dot":
                    context.Out.Write(TopologyGraph.Dot(snapshot));
                    break;
                case "svg":
                    context.Out.Write(RenderSvg(TopologyGraph.Dot(snapshot)));
                    break;
                default:
                    context.Out.Write(TopologyGraph.Terminal(snapshot));
                    break;
            }

            return 0;
        });
        return command;
    }

    private static string RenderSvg(string dot)
    {
        var info = new ProcessStartInfo("dot", ["-Tsvg"]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw KubeLabException.Usage("-o svg needs Graphviz's `dot`: install it with `apt-get install graphviz` (or use -o dot / -o mermaid)");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(dot);
            process.StandardInput.Close();
            process.WaitForExit();
            return process.ExitCode == 0 ? stdout.Result : throw KubeLabException.Host($"dot -Tsvg failed: {stderr.Result}");
        }
    }
}
