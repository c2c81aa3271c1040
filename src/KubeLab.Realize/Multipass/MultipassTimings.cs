using System.Globalization;

namespace KubeLab.Realize.Multipass;

/// <summary>How long `up` waits for VMs and nodes, and how often it looks. Tests shorten them through the environment.</summary>
public sealed record MultipassTimings(TimeSpan Boot, TimeSpan Ready, TimeSpan Poll)
{
    public static readonly MultipassTimings Default = new(TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(2));

    /// <summary>KUBELAB_MULTIPASS_BOOT_SECONDS, KUBELAB_MULTIPASS_READY_SECONDS, KUBELAB_MULTIPASS_POLL_MS override the defaults.</summary>
    public static MultipassTimings FromEnvironment() => new(
        Seconds("KUBELAB_MULTIPASS_BOOT_SECONDS") ?? Default.Boot,
        Seconds("KUBELAB_MULTIPASS_READY_SECONDS") ?? Default.Ready,
        Environment.GetEnvironmentVariable("KUBELAB_MULTIPASS_POLL_MS") is { } ms && int.TryParse(ms, NumberStyles.Integer, CultureInfo.InvariantCulture, out var poll) ? TimeSpan.FromMilliseconds(poll) : Default.Poll);

    private static TimeSpan? Seconds(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
}
