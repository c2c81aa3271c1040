using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

/// <summary>
/// k3s's packaged components and its <c>--disable</c> flag (k3s v1.29.5 pkg/cli/cmds/server.go: "Do not deploy packaged
/// components and delete any deployed components (valid items: coredns, servicelb, traefik, local-storage,
/// metrics-server, runtimes)"). The flag repeats and each value may list several items separated by commas, as
/// urfave/cli's StringSlice reads it; k3s trims the items. KubeLab refuses an item k3s does not know (k3s would ignore
/// it silently) because a misspelt item would leave the component running.
/// </summary>
public static class K3sAddons
{
    public const string CoreDns = "coredns";
    public const string ServiceLB = "servicelb";
    public const string Traefik = "traefik";
    public const string LocalStorage = "local-storage";
    public const string MetricsServer = "metrics-server";
    /// <summary>The RuntimeClasses k3s registers for the container runtimes it finds; the lab has none to register.</summary>
    public const string Runtimes = "runtimes";

    public static readonly IReadOnlyList<string> Items = [CoreDns, ServiceLB, Traefik, LocalStorage, MetricsServer, Runtimes];

    /// <summary>The items of every <c>--disable</c> value, in order, without repeats.</summary>
    public static IReadOnlyList<string> Parse(IEnumerable<string> values)
    {
        var items = new List<string>();
        foreach (var value in values)
        {
            foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!Items.Contains(item))
                {
                    throw KubeLabException.Usage(
                        $"--disable: Invalid value: \"{item}\": k3s's packaged components are {string.Join(", ", Items)}");
                }

                if (!items.Contains(item))
                {
                    items.Add(item);
                }
            }
        }

        return items;
    }

    public static bool Enabled(LabConfig config, string item) => !Parse(config.Disable).Contains(item);

    /// <summary>k3s.io/node-args of the server: its command line as k3s records it (each flag and value a list item).</summary>
    public static IReadOnlyList<string> ServerArgs(LabConfig config) =>
        ["server", .. config.Disable.SelectMany(value => new[] { "--disable", value })];
}
