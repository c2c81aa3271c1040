using System.Net;

namespace KubeLab.Realize.Workloads;

/// <summary>The page KubeLab's nginx pods serve: nginx's welcome page plus a line naming the pod and its address.</summary>
public static class PodPage
{
    /// <summary>The line that identifies the pod; tests and `trace --verify` look for it.</summary>
    public static string ServedBy(string podName, IPAddress podIP) => $"<p>Served by pod <b>{WebUtility.HtmlEncode(podName)}</b> at {podIP}</p>";

    public static string Html(string podName, IPAddress podIP, string server) => $"""
        <!DOCTYPE html>
        <html>
        <head>
        <title>Welcome to nginx!</title>
        </head>
        <body>
        <h1>Welcome to nginx!</h1>
        <p>If you see this page, the nginx web server is successfully installed and
        working. Further configuration is required.</p>
        {ServedBy(podName, podIP)}
        <p><em>{WebUtility.HtmlEncode(server)} in a KubeLab network namespace.</em></p>
        </body>
        </html>

        """;
}
