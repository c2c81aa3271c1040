using System.Globalization;
using System.Net;

namespace KubeLab.Core.Trace;

/// <summary>A trace target split into host, port and protocol.</summary>
public sealed record TraceTarget(string Host, int Port, string Protocol)
{
    public IPAddress? Address => IPAddress.TryParse(Host, out var address) ? address : null;

    /// <summary>Reads <c>scheme://host[:port]/path</c>, <c>host:port</c>, <c>IP:port</c> or <c>[IPv6]:port</c>.</summary>
    public static TraceTarget Parse(string target, string? protocol = null)
    {
        string host;
        int port;
        var proto = protocol?.ToLowerInvariant();
        if (target.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(target, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            {
                throw KubeLabException.Usage($"TARGET \"{target}\" is not a valid URL: expected e.g. http://nginx-service:80/");
            }

            host = uri.Host.Trim('[', ']');
            var scheme = uri.Scheme.ToLowerInvariant();
            port = uri.IsDefaultPort || uri.Port < 0
                ? scheme switch
                {
                    "http" => 80,
                    "https" => 443,
                    "dns" => 53,
                    _ => throw KubeLabException.Usage($"TARGET \"{target}\": no default port for scheme {scheme}: add :PORT"),
                }
                : uri.Port;
            var implied = scheme switch
            {
                "udp" or "dns" => "udp",
                "sctp" => "sctp",
                "http" or "https" or "tcp" => "tcp",
                _ => throw KubeLabException.Usage($"TARGET \"{target}\": unknown scheme {scheme}: use http, https, tcp, udp, dns or sctp, or HOST:PORT with --protocol"),
            };
            if (proto is not null && proto != implied)
            {
                throw KubeLabException.Usage($"TARGET \"{target}\" is {implied} ({scheme}://), but --protocol says {proto}: drop one of them");
            }

            proto = implied;
        }
        else
        {
            string portText;
            if (target.StartsWith('['))
            {
                var close = target.IndexOf(']', StringComparison.Ordinal);
                if (close < 0 || close + 1 >= target.Length || target[close + 1] != ':')
                {
                    throw KubeLabException.Usage($"TARGET \"{target}\": expected [IPv6]:PORT");
                }

                host = target[1..close];
                portText = target[(close + 2)..];
            }
            else
            {
                var colon = target.LastIndexOf(':');
                if (colon <= 0)
                {
                    throw KubeLabException.Usage($"TARGET \"{target}\" has no port: use HOST:PORT, IP:PORT or a URL such as http://{target}/");
                }

                host = target[..colon];
                portText = target[(colon + 1)..];
            }

            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                throw KubeLabException.Usage($"TARGET \"{target}\": port \"{portText}\" is not a number");
            }
        }

        if (port is < 1 or > 65535)
        {
            throw KubeLabException.Usage($"TARGET \"{target}\": port {port} is not between 1 and 65535");
        }

        proto ??= "tcp";
        if (proto is not ("tcp" or "udp" or "sctp"))
        {
            throw KubeLabException.Usage($"--protocol {proto}: supported values: tcp, udp, sctp");
        }

        return new TraceTarget(host, port, proto);
    }
}
