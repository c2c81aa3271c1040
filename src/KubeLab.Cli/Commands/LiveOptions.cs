using System.CommandLine;
using KubeLab.Core;
using KubeLab.Realize.Live;
using KubeLab.Realize.Multipass;

namespace KubeLab.Cli.Commands;

/// <summary>
/// Where reads and writes go: the emulated lab, a multipass lab's k3s API server (its kubeconfig in the lab's
/// folder), or any cluster given by --kubeconfig [--context].
/// </summary>
internal static class LiveOptions
{
    public static Option<string?> Kubeconfig() => new("--kubeconfig")
    {
        Description = "work on a cluster KubeLab did not make, through the API server in this kubeconfig",
        HelpName = "PATH",
    };

    public static Option<string?> Context() => new("--context")
    {
        Description = "the kubeconfig context to use (with --kubeconfig; default: its current-context)",
        HelpName = "NAME",
    };

    /// <summary>The real API server to use, or null for an emulated lab.</summary>
    public static LiveCluster? Open(CliContext context, string lab, string? kubeconfig, string? kubeContext)
    {
        if (kubeconfig is not null)
        {
            return LiveCluster.FromKubeconfig(kubeconfig, kubeContext);
        }

        if (kubeContext is not null)
        {
            throw KubeLabException.Usage("--context: only with --kubeconfig PATH");
        }

        if (context.Store.Exists(lab) && context.Store.DriverOf(lab) == "multipass")
        {
            var path = MultipassDriver.KubeconfigFile(context.Store, lab);
            return File.Exists(path)
                ? LiveCluster.FromKubeconfig(path)
                : throw KubeLabException.NotFound($"lab \"{lab}\" has no kubeconfig at {path} (up did not finish); run `kubelab up --driver multipass --name {lab}` again");
        }

        return null;
    }

    /// <summary>
    /// The lab's own API server, which its agent serves (netns and none labs), for the verbs that write: they are its
    /// clients as kubectl is, so a write takes one path whoever makes it. Null for a lab without one (a multipass lab:
    /// <see cref="Open"/>; a lab that does not exist: the caller's store path says so).
    /// </summary>
    /// <remarks>
    /// A lab whose agent is down has no API server: then the store path answers as it did (a netns lab refuses the
    /// change and says to run `kubelab up`; a none lab's state takes it for the next agent).
    /// </remarks>
    public static LiveCluster? LabApi(CliContext context, string lab)
    {
        if (!context.Store.Exists(lab))
        {
            return null;
        }

        // held until the command is done: an `up` or `down` waits for it, and it waits for one in progress
        var use = context.Store.AgentUse(lab, exclusive: false);
        try
        {
            // the driver alone, not the lab's objects: the API server has them
            var driver = context.Store.DriverOf(lab);
            var labDir = context.Store.LabDir(lab);
            var pki = KubeLab.Server.Pki.LabPki.At(labDir);
            if (driver == "multipass" || !File.Exists(KubeLab.Server.LabApi.KubeconfigFile(labDir)) || KubeLab.Server.LabApi.ReadPort(labDir) is not { } port || !pki.Exists
                || context.Drivers(driver) is KubeLab.Realize.Drivers.IAgentHealth health && health.AgentProblem(lab) is not null)
            {
                use.Dispose();
                return null;
            }

            // what the lab's kubeconfig says, from the files it was written from
            return LiveCluster.ForLab(KubeLab.Server.LabApi.ServerUrl(port), pki.ServerCaCertificate, pki.AdminCertificate, pki.AdminKey).Holding(use);
        }
        catch
        {
            use.Dispose();
            throw;
        }
    }
}
