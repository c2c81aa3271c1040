using KubeLab.Core.Api;

namespace KubeLab.Cli.Rendering;

/// <summary>kubectl's AGE column: the API server's own HumanDuration (one implementation for kubelab get and the Tables it serves).</summary>
public static class Age
{
    public static string Since(DateTimeOffset created, DateTimeOffset now) =>
        created == default ? "<unknown>" : HumanDuration.Format(now - created);

    public static string Human(TimeSpan d) => HumanDuration.Format(d);
}
