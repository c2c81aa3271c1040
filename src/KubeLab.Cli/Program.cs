using System.CommandLine;
using KubeLab.Cli.Commands;
using KubeLab.Core;
using KubeLab.Realize.Store;

namespace KubeLab.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var context = new CliContext
        {
            Store = LabStore.FromEnvironment(),
            Out = Console.Out,
            Err = Console.Error,
            OpenBulkOut = () => new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true),
            IsTerminal = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb"),
        };
        return Run(args, context);
    }

    /// <summary>Parses and runs a command line; maps failures to kubelab's exit codes (1 failed, 2 bad usage or input).</summary>
    public static int Run(string[] args, CliContext context)
    {
        var root = BuildRoot(context);
        var parse = root.Parse(args);
        if (!HelpWithDetails.IsHelp(parse) && UsageErrors.Find(parse, root) is { } usage)
        {
            context.Err.Write(usage);
            return 2;
        }

        if (parse.Errors.Count > 0 && !HelpWithDetails.IsHelp(parse))
        {
            foreach (var error in parse.Errors)
            {
                context.Err.WriteLine($"error: {error.Message}");
            }

            context.Err.WriteLine($"Run 'kubelab {string.Join(' ', parse.CommandResult.Command.Name == "kubelab" ? [] : new[] { parse.CommandResult.Command.Name })} --help' for usage.".Replace("  ", " ", StringComparison.Ordinal));
            return 2;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Err,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (KubeLabException e)
        {
            context.Err.WriteLine($"{e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            context.Err.WriteLine("interrupted");
            return 130;
        }
    }

    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("""
            KubeLab builds a small multi-node Kubernetes (k3s v1.29) lab with one command and shows exactly how
            its networking works: DNS, kube-proxy's iptables chains, flannel's routes and VXLAN.

            Examples:
              kubelab up                                   # the seed's 3-node lab on this kernel (netns, root)
              kubelab apply -f seed                        # nginx-service, 3 nginx pods and test-pod
              kubelab exec test-pod -- curl -s http://nginx-service:80/
              kubelab rules --node vm1                     # the iptables rules kube-proxy/flannel write on vm1
              kubelab trace test-pod http://nginx-service:80/
              kubelab tour                                 # the whole walkthrough, explained
            """);
        foreach (var command in new[]
        {
            UpCommand.Create(context),
            DownCommand.Create(context),
            ListCommand.Create(context),
            ApplyCommand.Create(context),
            DeleteCommand.Create(context),
            RunCommand.Create(context),
            GetCommand.Create(context),
            ExecCommand.Create(context),
            ScenariosCommand.Create(context),
            CompletionCommand.Create(context),
            VersionCommand.Create(context),
            RulesCommand.Create(context),
            TourCommand.Create(context),
            GraphCommand.Create(context),
            TraceCommand.Create(context),
            KubeconfigCommand.Create(context),
            UiCommand.Create(context),
            AgentCommand.Create(context),
        })
        {
            root.Subcommands.Add(command);
        }

        HelpWithDetails.Install(root);
        return root;
    }
}
