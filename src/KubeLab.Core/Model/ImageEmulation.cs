using System.Globalization;

namespace KubeLab.Core.Model;

/// <summary>What KubeLab runs for a pod's image: a lab has no container runtime, so a few common images are emulated.</summary>
public enum EmulatedImage
{
    /// <summary>Not emulated: the pod is Running, but nothing runs or listens in it.</summary>
    None,
    /// <summary>nginx: the real nginx in the pod's namespace where installed, else a built-in page, on port 80.</summary>
    Nginx,
    /// <summary>hashicorp/http-echo: answers every path with <c>-text</c> and a newline on <c>-listen</c> (default :5678).</summary>
    HttpEcho,
    /// <summary>traefik/whoami and its forks: the pod's hostname and addresses and the request, on <c>-port</c> (default 80).</summary>
    Whoami,
    /// <summary>
    /// Traefik with no routes (k3s's bundled ingress controller before any Ingress exists): its web entrypoint (:8000)
    /// answers every request with Go's http.NotFound, 404 "404 page not found".
    /// </summary>
    Traefik,
    /// <summary>netshoot, busybox, alpine, …: nothing runs; `kubelab exec` runs this machine's tools in the pod's namespace.</summary>
    ToolBox,
    /// <summary>
    /// MetalLB's controller or speaker (quay.io/metallb/controller, quay.io/metallb/speaker, as MetalLB's published
    /// manifest runs them): the lab's emulated MetalLB does their work (the control plane allocates, the elected node's
    /// speaker answers ARP), for the nodes whose speaker pod runs.
    /// </summary>
    MetalLb,
}

/// <summary>The emulation of one pod's first container, with what it serves.</summary>
public sealed record Emulation(EmulatedImage Kind, int Port = 0, string Text = "", int StatusCode = 200, string Name = "")
{
    public static readonly Emulation NotEmulated = new(EmulatedImage.None);
}

/// <summary>
/// Which images a lab emulates and how (the README's table). http-echo and whoami read their Go flags from the
/// container's command and args as Go's flag package does: <c>-text=hi</c>, <c>--text=hi</c> or <c>-text hi</c>.
/// </summary>
public static class ImageEmulation
{
    /// <summary>Repositories (the image name's last path segment, without tag or digest) run as tool boxes.</summary>
    public static readonly IReadOnlySet<string> ToolBoxes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "netshoot", "busybox", "alpine", "ubuntu", "debian", "curl", "dnsutils", "jessie-dnsutils", "agnhost", "toolbox", "network-multitool",
    };

    public const string Summary =
        "nginx (real nginx or a built-in page on port 80), hashicorp/http-echo (-text, -listen, -status-code), whoami (traefik/whoami: -port, -name), and tool boxes (netshoot, busybox, alpine, … : `kubelab exec` runs this machine's tools)";

    /// <summary>The repository of an image reference: <c>docker.io/hashicorp/http-echo:1.0@sha256:…</c> → <c>http-echo</c>.</summary>
    public static string Repository(string image)
    {
        var name = image.Split('@')[0];
        var repository = name[(name.LastIndexOf('/') + 1)..];
        var colon = repository.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? repository[..colon] : repository;
    }

    public static Emulation Of(Pod pod) => pod.Containers.Count == 0 ? Emulation.NotEmulated : Of(pod.Containers[0]);

    public static Emulation Of(Container container)
    {
        var repository = Repository(container.Image);
        if (repository.StartsWith("nginx", StringComparison.OrdinalIgnoreCase))
        {
            return new(EmulatedImage.Nginx, 80);
        }

        // The image's entrypoint takes the flags: args alone, or a command naming the binary followed by flags.
        var flags = container.Command.Count > 0 ? container.Command.Skip(1).Concat(container.Args).ToList() : container.Args.ToList();
        if (repository.Equals("http-echo", StringComparison.OrdinalIgnoreCase))
        {
            var values = GoFlags(flags, ["listen", "text", "status-code"]);
            var text = values.GetValueOrDefault("text", "");
            var listen = values.GetValueOrDefault("listen", ":5678");
            var port = listen.LastIndexOf(':') is >= 0 and var c && int.TryParse(listen[(c + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
            var status = int.TryParse(values.GetValueOrDefault("status-code", "200"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
            // http-echo exits at once without -text (or ECHO_TEXT), and on a listen address or status it cannot use.
            return text.Length == 0 || port is < 1 or > 65535 || status is < 100 or > 999 ? Emulation.NotEmulated : new(EmulatedImage.HttpEcho, port, text, status);
        }

        if (repository.Equals("whoami", StringComparison.OrdinalIgnoreCase))
        {
            var values = GoFlags(flags, ["port", "name", "cert", "key", "cacert", "allowed-origins"]);
            var port = int.TryParse(values.GetValueOrDefault("port", "80"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
            return port is < 1 or > 65535 || values.ContainsKey("cert") ? Emulation.NotEmulated : new(EmulatedImage.Whoami, port, Name: values.GetValueOrDefault("name", ""));
        }

        if (repository.Equals("traefik", StringComparison.OrdinalIgnoreCase) || repository.Equals("mirrored-library-traefik", StringComparison.OrdinalIgnoreCase))
        {
            // --entrypoints.web.address=:8000/tcp, as k3s's chart sets it (Traefik's own default web entrypoint is :80)
            var web = flags.Select(f => f.TrimStart('-')).FirstOrDefault(f => f.StartsWith("entrypoints.web.address=", StringComparison.Ordinal));
            var port = web is null ? 80 : int.TryParse(web[(web.LastIndexOf(':') + 1)..].Split('/')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
            return port is < 1 or > 65535 ? Emulation.NotEmulated : new(EmulatedImage.Traefik, port, "404 page not found", 404);
        }

        if (IsMetalLb(container.Image, "controller") || IsMetalLb(container.Image, "speaker"))
        {
            return new(EmulatedImage.MetalLb);
        }

        return ToolBoxes.Contains(repository) ? new(EmulatedImage.ToolBox) : Emulation.NotEmulated;
    }

    /// <summary>An image of MetalLB's <paramref name="component"/>: <c>quay.io/metallb/speaker:v0.14.5</c>, <c>metallb/controller</c>.</summary>
    public static bool IsMetalLb(string image, string component)
    {
        ArgumentNullException.ThrowIfNull(image);
        var name = image.Split('@')[0];
        var slash = name.LastIndexOf('/');
        return slash > 0 && Repository(image).Equals(component, StringComparison.OrdinalIgnoreCase)
            && name[..slash].Split('/')[^1].Equals("metallb", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Why nothing runs in <paramref name="pod"/> (its first image is not emulated), or null when something does, the pod
    /// has no containers or it uses the node's network.
    /// </summary>
    public static string? NotEmulatedReason(Pod pod) =>
        pod.HostNetwork || pod.Containers.Count == 0 || Of(pod).Kind != EmulatedImage.None
            ? null
            : Repository(pod.Image).ToLowerInvariant() switch
            {
                "http-echo" => "http-echo needs -text and a valid -listen, e.g. `-- -text=hello -listen=:5678`",
                "whoami" => "whoami needs a valid -port and no TLS flags",
                _ => "KubeLab runs no container images",
            };

    /// <summary>
    /// What `apply`, `run` and the API server say about new pods whose image is not emulated, one warning per image
    /// (printed after "Warning: ", as kubectl prints the API server's warnings); tool boxes and emulated images say nothing.
    /// </summary>
    public static IReadOnlyList<string> Warnings(IEnumerable<Pod> pods) =>
        [.. pods.Select(p => (Pod: p, Why: NotEmulatedReason(p))).Where(p => p.Why is not null)
            .GroupBy(p => p.Pod.Image, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var names = g.Select(p => p.Pod.Key).Order(StringComparer.Ordinal).ToList();
                return $"image \"{g.Key}\" is not emulated ({g.First().Why}): {(names.Count == 1 ? "pod" : "pods")} {string.Join(", ", names)} {(names.Count == 1 ? "shows" : "show")} Running, but nothing runs or listens in {(names.Count == 1 ? "it" : "them")}. Emulated: {Summary}.";
            })];

    /// <summary>The message of the Warning Event that a pod whose image is not emulated gets when it starts; null otherwise.</summary>
    public static string? NotEmulatedEvent(Pod pod) =>
        NotEmulatedReason(pod) is { } why
            ? $"Image \"{pod.Image}\" is not emulated ({why}): the pod shows Running, but nothing runs or listens in it. Emulated: {Summary}."
            : null;

    /// <summary>Go's flag package: <c>-f=v</c>, <c>--f=v</c> or <c>-f v</c>; parsing stops at the first non-flag or <c>--</c>.</summary>
    private static Dictionary<string, string> GoFlags(IReadOnlyList<string> args, IReadOnlyList<string> valueFlags)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--" || arg.Length < 2 || arg[0] != '-')
            {
                break;
            }

            var name = arg.TrimStart('-');
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                values[name[..equals]] = name[(equals + 1)..];
            }
            else if (valueFlags.Contains(name) && i + 1 < args.Count)
            {
                values[name] = args[++i];
            }
            else
            {
                values[name] = "true";
            }
        }

        return values;
    }
}
